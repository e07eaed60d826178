using System.Diagnostics;
using PolyakCore.Problems;
using PolyakCore.Training;

namespace PolyakCore.Explorer;

/// <summary>Which well a run ends in, for a grid of start points: the basin each method reaches from where.</summary>
/// <param name="Xs">Start x0 of each column.</param>
/// <param name="Ys">Start x1 of each row.</param>
/// <param name="Wells">"local", "global", "elsewhere" or "diverged", row-major (ny × nx).</param>
/// <param name="Seconds">What it cost to compute.</param>
public sealed record EscapeMapResult(double[] Xs, double[] Ys, string[] Wells, double Seconds, int Runs);

/// <summary>Computes escape maps on the two-well problem: all starts as rows of one batched run.</summary>
public static class EscapeMap
{
    public const int MaxStarts = 100 * 100;

    /// <param name="template">The run every start point shares (optimizer, batch, epochs, seeds, wells).</param>
    public static EscapeMapResult Compute(RunRequest template, (double Min, double Max) xRange, (double Min, double Max) yRange,
        int nx = 40, int ny = 40, CancellationToken cancel = default)
    {
        if (template.Problem != ProblemCatalog.TwoWell) throw new ArgumentException("Escape maps are drawn on the two-well problem.", nameof(template));
        if (nx < 2 || ny < 2 || nx * ny > MaxStarts) throw new ArgumentOutOfRangeException(nameof(nx), $"An escape map has 4 to {MaxStarts:N0} start points.");
        var clock = Stopwatch.StartNew();
        double[] xs = Grid(xRange, nx), ys = Grid(yRange, ny);
        var requests = new RunRequest[nx * ny];
        for (int r = 0; r < ny; r++)
            for (int c = 0; c < nx; c++)
                requests[r * nx + c] = template with { ProblemOptions = template.ProblemOptions with { Start = [xs[c], ys[r]] } };
        using var problem = (TwoWellProblem)ProblemCatalog.Create(template.Problem, template.ProblemOptions);
        var summaries = TrajectoryBatch.Run(problem, requests, cancel: cancel);
        var wells = summaries.Select(s => s.Status == RunStatus.Diverged ? "diverged" : problem.WellOf(s.Parameters)).ToArray();
        return new EscapeMapResult(xs, ys, wells, clock.Elapsed.TotalSeconds, requests.Length);
    }

    private static double[] Grid((double Min, double Max) range, int n) =>
        [.. Enumerable.Range(0, n).Select(k => range.Min + (range.Max - range.Min) * (k + 0.5) / n)];   // cell centres
}
