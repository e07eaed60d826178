using PolyakCore.Training;

namespace PolyakDashboard.Storage;

/// <summary>Columns the run table sorts by (<c>GET /api/runs/history?sort=…</c>).</summary>
public enum RunSort { Created, Experiment, Problem, Optimizer, Batch, Seed, Status, FinalLoss, Duration }

/// <summary>One page of the stored runs: a free-text filter, a status, a sort and a window.</summary>
/// <param name="Search">Matches (case-insensitive, anywhere) the id, label, experiment, problem, optimizer, tags and note; null for all.</param>
/// <param name="Status">Only runs with this status; null for all.</param>
/// <param name="Sort">Sort column. Default: creation time.</param>
/// <param name="Descending">Newest (largest) first. Default: true.</param>
/// <param name="Skip">Rows skipped. Default: 0.</param>
/// <param name="Take">Rows returned, 1–500. Default: 25.</param>
public sealed record RunQuery(string? Search = null, RunStatus? Status = null, RunSort Sort = RunSort.Created,
    bool Descending = true, int Skip = 0, int Take = 25)
{
    public const int MaxTake = 500;
}

/// <summary>A stored run as the run table lists it (no records).</summary>
public sealed record RunRow(string Id, string? Label, string? ExperimentId, string Problem, string Optimizer, int BatchSize,
    int Seed, RunStatus Status, string? Message, int Step, int TotalSteps, double? FinalLoss, double? Seconds,
    DateTimeOffset CreatedAt, IReadOnlyList<string> Tags, string? Note)
{
    /// <summary>What the table and the charts' legends call the run.</summary>
    public string Name => Label ?? Id;

    public bool IsFinished => Status is not (RunStatus.Queued or RunStatus.Running);

    /// <summary>The worker silo that trains or trained it (Runs:Engine=orleans); null for this process.</summary>
    public string? Worker { get; init; }

    /// <summary>Set when the row is an ensemble (a group of many seeds of a grid), not a run.</summary>
    public EnsembleRow? Ensemble { get; init; }

    public bool IsEnsemble => Ensemble is not null;
}

/// <summary>What a row that is an ensemble adds: its seeds, configurations and which randomness the seeds vary.</summary>
public sealed record EnsembleRow(int Seeds, int Configurations, SeedVariation Vary)
{
    /// <summary>"ensemble · 20 seeds × 24 configurations".</summary>
    public string Title => StoredEnsemble.EnsembleTitle(Seeds, Configurations);
}

/// <summary>Rows of one page and how many match in all.</summary>
public sealed record RunPage(IReadOnlyList<RunRow> Rows, int Total);

/// <summary>What a chart needs of a run's batches, column-wise (see <see cref="RunStore.LoadBatchColumns"/>).</summary>
public sealed class BatchColumns(int capacity)
{
    public int[] Step { get; } = new int[capacity];
    public int[] Epoch { get; } = new int[capacity];
    /// <summary>Wall-clock seconds since the run started; NaN for records kept before it was recorded.</summary>
    public double[] Seconds { get; } = new double[capacity];
    public double[] Loss { get; } = new double[capacity];
    public double[] StepSize { get; } = new double[capacity];
    public int Count { get; set; }

    public static BatchColumns Of(IReadOnlyList<BatchRecord> records)
    {
        var c = new BatchColumns(records.Count) { Count = records.Count };
        for (int i = 0; i < records.Count; i++)
        {
            var r = records[i];
            (c.Step[i], c.Epoch[i], c.Seconds[i], c.Loss[i], c.StepSize[i]) = (r.Step, r.Epoch, r.Seconds, r.Loss, r.StepSize);
        }
        return c;
    }
}
