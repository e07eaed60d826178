using PolyakCore.Export;
using PolyakCore.Training;

namespace PolyakDashboard.Runs;

/// <summary>A run as the API and the hub show it.</summary>
public sealed record RunInfo(string Id, string? Label, string? ExperimentId, RunStatus Status, string? Message,
    int Step, int TotalSteps, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    IReadOnlyList<string> ParameterNames, RunRequest Request, RunSummary? Summary, IReadOnlyList<string> Tags, string? Note)
{
    /// <summary>The worker silo training it (Runs:Engine=orleans); null in this process.</summary>
    public string? Worker { get; init; }

    public static RunInfo Of(LiveRun r) => new(r.Id, r.Request.Label, r.ExperimentId, r.Status, r.Message, r.Step, r.TotalSteps,
        r.CreatedAt, r.StartedAt, r.FinishedAt, r.ParameterNames, r.Request, r.Summary, r.Tags, r.Note) { Worker = r.Worker };
}

/// <summary>New per-batch records of one run, column-wise (what the "points" message carries); Seconds is
/// the wall time since the run started.</summary>
public sealed record PointBatch(string RunId, int[] Step, int[] Epoch, double[] Loss, double[] StepSize, double[] GradNormSq, double[] Seconds)
{
    public static PointBatch Of(string runId, IReadOnlyList<BatchRecord> records) => new(runId,
        [.. records.Select(r => r.Step)], [.. records.Select(r => r.Epoch)], [.. records.Select(r => r.Loss)],
        [.. records.Select(r => r.StepSize)], [.. records.Select(r => r.GradNormSq)], [.. records.Select(r => r.Seconds)]);
}

/// <summary>Full-data losses per epoch, column-wise (the "epochs" message); ValLoss is NaN where the problem has
/// no held-out data.</summary>
public sealed record EpochBatch(string RunId, int[] Epoch, double[] Loss, double[] ValLoss)
{
    public static EpochBatch Of(string runId, IReadOnlyList<EpochRecord> records) =>
        new(runId, [.. records.Select(r => r.Epoch)], [.. records.Select(r => r.Loss)], [.. records.Select(r => r.ValLoss ?? double.NaN)]);
}

/// <summary>A status change (the "status" message).</summary>
public sealed record StatusUpdate(string RunId, RunStatus Status, string? Message, int Step, int TotalSteps)
{
    public static StatusUpdate Of(LiveRun r) => new(r.Id, r.Status, r.Message, r.Step, r.TotalSteps);
}

/// <summary>Everything so far, decimated: what a late joiner gets on subscribe.</summary>
public sealed record RunSnapshot(string RunId, RunStatus Status, string? Message, int Step, int TotalSteps,
    PointBatch Batches, EpochBatch Epochs)
{
    public static RunSnapshot Of(LiveRun r, int points)
    {
        var batches = r.Batches();
        var keep = Decimation.MinMax([.. batches.Select(b => b.Loss)], points / 2)
            .Union(Decimation.MinMax([.. batches.Select(b => b.StepSize)], points / 2)).Order().ToArray();
        var epochs = r.Epochs();
        var keepEpochs = Decimation.MinMax([.. epochs.Select(e => e.Loss)], points);
        return new(r.Id, r.Status, r.Message, batches.Length == 0 ? 0 : batches[^1].Step, r.TotalSteps,
            PointBatch.Of(r.Id, [.. keep.Select(i => batches[i])]), EpochBatch.Of(r.Id, [.. keepEpochs.Select(i => epochs[i])]));
    }
}
