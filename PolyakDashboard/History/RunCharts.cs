using PolyakCore.Export;
using PolyakCore.Training;
using PolyakDashboard.Runs;
using PolyakDashboard.Storage;

namespace PolyakDashboard.History;

/// <summary>The x axis of a comparison: update count, epochs (fractional for batches), or wall-clock seconds.</summary>
public enum ChartX { Step, Epoch, Seconds }

/// <summary>One line: x and y, and the run's wall time and step at each point (wall time NaN where the run did
/// not record it): a replay's clock.</summary>
public sealed record ChartLine(double[] X, double[] Y, double[] Seconds, double[] Steps)
{
    public static ChartLine Empty { get; } = new([], [], [], []);
    public int Count => X.Length;
}

/// <summary>A run's lines for the comparison charts, decimated (min/max buckets) to about the points asked for.</summary>
/// <param name="HasTime">The run recorded wall times (runs stored before they were kept have none: their
/// seconds axis is empty and replay falls back to steps).</param>
/// <param name="ValLoss">Validation loss per epoch; null when the run has none (drawn dashed).</param>
public sealed record RunChartData(string Id, string Name, string Optimizer, RunStatus Status, int Records, bool HasTime,
    ChartLine Loss, ChartLine StepSize, ChartLine EpochLoss, ChartLine? ValLoss);

/// <summary>Builds comparison lines from a run's records: from memory for a live or recent run, else straight
/// from the store's packed chart columns (never the parameter blobs), so a million records load in about half a second.</summary>
public sealed class RunCharts(RunService runs, RunStore store)
{
    public const int DefaultPoints = 2000, MinPoints = 100, MaxPoints = 20_000, MaxRuns = 32;

    /// <summary>The runs' lines in the order asked; unknown ids are left out.</summary>
    public IReadOnlyList<RunChartData> Compare(IEnumerable<string> ids, ChartX x, int points = DefaultPoints)
    {
        points = Math.Clamp(points, MinPoints, MaxPoints);
        var result = new List<RunChartData>();
        foreach (var id in ids.Distinct().Take(MaxRuns))
        {
            if (runs.Get(id) is not { } run) continue;
            var (batches, epochs) = Records(run);
            result.Add(Build(run, batches, epochs, x, points));
        }
        return result;
    }

    /// <summary>The chart columns of a run: memory when its records are there, else the store.</summary>
    public (BatchColumns Batches, IReadOnlyList<EpochRecord> Epochs) Records(LiveRun run) =>
        run.RecordsPending
            ? (store.LoadBatchColumns(run.Id) ?? new BatchColumns(0), store.LoadEpochs(run.Id))
            : (BatchColumns.Of(run.Batches()), run.Epochs());

    public static RunChartData Build(LiveRun run, BatchColumns b, IReadOnlyList<EpochRecord> epochs, ChartX x, int points)
    {
        int n = b.Count;
        bool hasTime = HasTime(b.Seconds.AsSpan(0, n));
        // x of every batch; the last batch of epoch e sits at x = e on the epoch axis (where epoch e's loss is).
        var xs = new double[n];
        var epochEnd = new Dictionary<int, int>();    // epoch → index of its last batch
        for (int i = 0; i < n; i++) epochEnd[b.Epoch[i]] = i;
        int start = 0;
        for (int i = 0; i < n; i++)
        {
            if (i > 0 && b.Epoch[i] != b.Epoch[i - 1]) start = i;
            xs[i] = x switch
            {
                ChartX.Step => b.Step[i],
                ChartX.Epoch => b.Epoch[i] - 1 + (i - start + 1.0) / (epochEnd[b.Epoch[i]] - start + 1),
                _ => hasTime ? b.Seconds[i] : double.NaN,
            };
        }
        ChartLine Batches(double[] ys)
        {
            if (x == ChartX.Seconds && !hasTime) return ChartLine.Empty;
            var keep = Decimation.MinMax(new ArraySegment<double>(ys, 0, n), points);
            return new([.. keep.Select(i => xs[i])], [.. keep.Select(i => ys[i])], [.. keep.Select(i => b.Seconds[i])],
                [.. keep.Select(i => (double)b.Step[i])]);
        }

        // Epoch e ends with its last batch (epoch 0 is the start: step 0, second 0).
        double EpochX(int e) => x switch
        {
            ChartX.Epoch => e,
            ChartX.Step => e == 0 ? 0 : epochEnd.TryGetValue(e, out int i) ? b.Step[i] : double.NaN,
            _ => e == 0 ? 0 : epochEnd.TryGetValue(e, out int i) && hasTime ? b.Seconds[i] : double.NaN,
        };
        double EpochSeconds(int e) => e == 0 ? 0 : epochEnd.TryGetValue(e, out int i) ? b.Seconds[i] : double.NaN;
        double EpochStep(int e) => e == 0 ? 0 : epochEnd.TryGetValue(e, out int i) ? b.Step[i] : double.NaN;
        ChartLine Epochs(Func<EpochRecord, double> y)
        {
            var kept = epochs.Where(e => double.IsFinite(EpochX(e.Epoch))).ToArray();
            var values = kept.Select(y).ToArray();
            var keep = Decimation.MinMax(values, points);
            return new([.. keep.Select(i => EpochX(kept[i].Epoch))], [.. keep.Select(i => values[i])],
                [.. keep.Select(i => EpochSeconds(kept[i].Epoch))], [.. keep.Select(i => EpochStep(kept[i].Epoch))]);
        }

        var stepSizes = b.StepSize.AsSpan(0, n).ToArray();
        return new(run.Id, run.Request.Label ?? run.Id, run.Request.Optimizer, run.Status, n, hasTime,
            Batches(b.Loss), Batches(stepSizes), Epochs(e => e.Loss),
            epochs.Any(e => e.ValLoss is not null) ? Epochs(e => e.ValLoss ?? double.NaN) : null);
    }

    /// <summary>True when the records carry wall times: finite, and not all zero (an old export has zeros).</summary>
    public static bool HasTime(ReadOnlySpan<double> seconds)
    {
        if (seconds.Length == 0) return false;
        foreach (double s in seconds) if (!double.IsFinite(s)) return false;
        return seconds[^1] > 0;
    }
}
