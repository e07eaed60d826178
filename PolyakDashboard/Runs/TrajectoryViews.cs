using PolyakCore.Problems;
using PolyakCore.Training;

namespace PolyakDashboard.Runs;

/// <summary>A run's path through two parameters, thinned for drawing.</summary>
public sealed record RunPath(string RunId, double[] X, double[] Y);

/// <summary>What a contour view draws: the loss grid, the runs' paths and the marked minima.</summary>
public sealed record ContourView(LandscapeGrid Grid, IReadOnlyList<RunPath> Paths, IReadOnlyList<(string Label, double X, double Y)> Minima);

/// <summary>Builds contour views from runs' records (the numbers come from PolyakCore).</summary>
public static class TrajectoryViews
{
    public const int MaxPathPoints = 1500;

    /// <summary>θ_i and θ_j along a run, from the start, thinned to at most <see cref="MaxPathPoints"/>.</summary>
    public static RunPath Path(LiveRun run, int i, int j) => Path(run.Id, run.Epochs(), run.Batches(), i, j);

    /// <inheritdoc cref="Path(LiveRun, int, int)"/>
    public static RunPath Path(string runId, IReadOnlyList<EpochRecord> epochs, IReadOnlyList<BatchRecord> batches, int i, int j)
    {
        var start = epochs.Count > 0 ? epochs[0].Parameters : null;
        var records = batches.Where(b => b.Parameters is not null).ToArray();
        int stride = Math.Max(1, (int)Math.Ceiling(records.Length / (double)MaxPathPoints));
        var points = new List<double[]>();
        if (start is not null) points.Add(start);
        for (int k = 0; k < records.Length; k += stride) points.Add(records[k].Parameters!);
        if (records.Length > 0 && (records.Length - 1) % stride != 0) points.Add(records[^1].Parameters!);
        return new RunPath(runId, [.. points.Select(p => p[i])], [.. points.Select(p => p[j])]);
    }

    /// <summary>The full-data loss over (θ_i, θ_j) of the first run's problem, the other parameters held at that
    /// run's final values, framing every path and minimum (a two-well plot: both wells and the start as well).</summary>
    public static ContourView Build(IReadOnlyList<LiveRun> runs, int i, int j) =>
        Build(runs[0].Request, runs[0].Summary?.Parameters, [.. runs.Select(r => Path(r, i, j))], i, j);

    /// <summary>As above, from the first run's request and final parameters and every run's path.</summary>
    public static ContourView Build(RunRequest first, double[]? firstFinal, IReadOnlyList<RunPath> paths, int i, int j)
    {
        using var problem = ProblemCatalog.Create(first.Problem, first.ProblemOptions);
        var minima = problem.Minima.Select(m => (m.Name, m.Theta[i], m.Theta[j])).ToArray();
        var held = firstFinal ?? Trainer.StartOf(problem, first);
        (double, double) xRange, yRange;
        if (first.Problem == ProblemCatalog.TwoWell)
            (xRange, yRange) = (TwoWellRange(first, paths, 0), TwoWellRange(first, paths, 1));
        else
        {
            // A quarter of the span on each side (not Around's default 15%): runs converge to a minimum, so it
            // often lies at the end of the range, and its marker and label need room inside the plot.
            var xs = paths.SelectMany(p => p.X).Concat(minima.Select(m => m.Item2)).Where(v => Math.Abs(v) < 1e4);
            var ys = paths.SelectMany(p => p.Y).Concat(minima.Select(m => m.Item3)).Where(v => Math.Abs(v) < 1e4);
            (xRange, yRange) = (LandscapeGrid.Around(xs, margin: 0.25), LandscapeGrid.Around(ys, margin: 0.25));
        }
        var grid = LandscapeGrid.Evaluate(problem, held, i, j, xRange, yRange, 90, 70);
        return new ContourView(grid, paths, minima);
    }

    // The two-well plot always frames both wells and the start, whatever the paths do (within ±50).
    private static (double, double) TwoWellRange(RunRequest request, IEnumerable<RunPath> paths, int axis)
    {
        var r = request.ProblemOptions;
        double shift = axis == 0 ? r.B ?? 9 : r.C ?? 10;
        double start = r.Start?[axis] ?? 3;
        var values = new[] { 1.0 - shift, 1.0, start }.Concat(paths.SelectMany(p => axis == 0 ? p.X : p.Y)).Where(v => Math.Abs(v) < 50);
        return LandscapeGrid.Around(values, margin: 0.1, minWidth: 4);
    }
}
