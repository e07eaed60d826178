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
    public static RunPath Path(LiveRun run, int i, int j)
    {
        var epochs = run.Epochs();
        var start = epochs.Length > 0 ? epochs[0].Parameters : null;
        var records = run.Batches().Where(b => b.Parameters is not null).ToArray();
        int stride = Math.Max(1, (int)Math.Ceiling(records.Length / (double)MaxPathPoints));
        var points = new List<double[]>();
        if (start is not null) points.Add(start);
        for (int k = 0; k < records.Length; k += stride) points.Add(records[k].Parameters!);
        if (records.Length > 0 && (records.Length - 1) % stride != 0) points.Add(records[^1].Parameters!);
        return new RunPath(run.Id, [.. points.Select(p => p[i])], [.. points.Select(p => p[j])]);
    }

    /// <summary>The full-data loss over (θ_i, θ_j) of the first run's problem, the other parameters held at
    /// <paramref name="held"/> (or that run's final values), framing every path and minimum.</summary>
    public static ContourView Build(IReadOnlyList<LiveRun> runs, int i, int j, double[]? held = null,
        (double, double)? xRange = null, (double, double)? yRange = null)
    {
        var first = runs[0];
        using var problem = ProblemCatalog.Create(first.Request.Problem, first.Request.ProblemOptions);
        var paths = runs.Select(r => Path(r, i, j)).ToArray();
        var minima = problem.Minima.Select(m => (m.Name, m.Theta[i], m.Theta[j])).ToArray();
        held ??= first.Summary?.Parameters ?? Trainer.StartOf(problem, first.Request);
        var xs = paths.SelectMany(p => p.X).Concat(minima.Select(m => m.Item2)).Where(v => Math.Abs(v) < 1e4);
        var ys = paths.SelectMany(p => p.Y).Concat(minima.Select(m => m.Item3)).Where(v => Math.Abs(v) < 1e4);
        var grid = Landscape.Evaluate(problem, held, i, j, xRange ?? Landscape.Around(xs), yRange ?? Landscape.Around(ys), 90, 70);
        return new ContourView(grid, paths, minima);
    }
}
