using System.Diagnostics;
using PolyakCore.Problems;
using PolyakCore.Training;

namespace PolyakCore.Explorer;

/// <summary>Which well a run ends in, for a grid of start points: the basin each method reaches from where.</summary>
/// <param name="Xs">Start x0 of each column.</param>
/// <param name="Ys">Start x1 of each row.</param>
/// <param name="Wells">"local", "global", "elsewhere" or "diverged", row-major (ny × nx): the first seed's.</param>
/// <param name="Seconds">What it cost to compute.</param>
/// <param name="Seeds">Mini-batch orders run from each start.</param>
/// <param name="Escaped">Per cell, how many of the seeds end in the global well.</param>
public sealed record EscapeMapResult(double[] Xs, double[] Ys, string[] Wells, double Seconds, int Runs, int Seeds = 1, int[]? Escaped = null)
{
    /// <summary>Per cell, the fraction of seeds that end in the global well.</summary>
    public double[] EscapeFraction => Escaped is { } e ? [.. e.Select(n => (double)n / Seeds)] : [.. Wells.Select(w => w == "global" ? 1.0 : 0.0)];
}

/// <summary>Computes escape maps on the two-well problem: all starts as rows of one batched run.</summary>
public static class EscapeMap
{
    public const int MaxStarts = 100 * 100;

    public const int MaxRuns = 100_000;

    /// <param name="template">The run every start point shares (optimizer, batch, epochs, seeds, wells).</param>
    /// <param name="seeds">Mini-batch orders per start (template.Seed, +1, …), all in the same batched computation.</param>
    public static EscapeMapResult Compute(RunRequest template, (double Min, double Max) xRange, (double Min, double Max) yRange,
        int nx = 40, int ny = 40, CancellationToken cancel = default, int seeds = 1)
    {
        if (seeds < 1 || (long)nx * ny * seeds > MaxRuns) throw new ArgumentOutOfRangeException(nameof(seeds), $"An escape map runs at most {MaxRuns:N0} trajectories (starts × seeds).");
        if (template.Problem != ProblemCatalog.TwoWell) throw new ArgumentException("Escape maps are drawn on the two-well problem.", nameof(template));
        if (nx < 2 || ny < 2 || nx * ny > MaxStarts) throw new ArgumentOutOfRangeException(nameof(nx), $"An escape map has 4 to {MaxStarts:N0} start points.");
        var clock = Stopwatch.StartNew();
        double[] xs = Grid(xRange, nx), ys = Grid(yRange, ny);
        int cells = nx * ny;
        var requests = new RunRequest[cells * seeds];
        for (int k = 0; k < seeds; k++)
            for (int r = 0; r < ny; r++)
                for (int c = 0; c < nx; c++)
                    requests[k * cells + r * nx + c] = template with { Seed = template.Seed + k, ProblemOptions = template.ProblemOptions with { Start = [xs[c], ys[r]] } };
        using var problem = (TwoWellProblem)ProblemCatalog.Create(template.Problem, template.ProblemOptions);
        var summaries = TrajectoryBatch.Run(problem, requests, cancel: cancel, epochLosses: false);
        var all = summaries.Select(s => s.Status == RunStatus.Diverged ? "diverged" : problem.WellOf(s.Parameters)).ToArray();
        var escaped = new int[cells];
        for (int i = 0; i < all.Length; i++) if (all[i] == "global") escaped[i % cells]++;
        return new EscapeMapResult(xs, ys, all[..cells], clock.Elapsed.TotalSeconds, requests.Length, seeds, escaped);
    }

    private static double[] Grid((double Min, double Max) range, int n) =>
        [.. Enumerable.Range(0, n).Select(k => range.Min + (range.Max - range.Min) * (k + 0.5) / n)];   // cell centres
}
