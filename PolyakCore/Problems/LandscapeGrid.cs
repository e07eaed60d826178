using static TorchSharp.torch;

namespace PolyakCore.Problems;

/// <summary>Full-data loss on a grid over two parameters (the others held fixed), row-major ny × nx;
/// <see cref="Evaluate"/> computes one over a plane of parameter space, as one tensor computation.</summary>
/// <remarks>The dashboard's contour chart that draws it is Components/Charts/Landscape.</remarks>
public sealed record LandscapeGrid(string XName, string YName, double[] Xs, double[] Ys, double[] Values)
{
    public const int MaxCells = 250_000;

    /// <param name="fixedTheta">θ whose other entries are held (e.g. b at its final value for 1a).</param>
    /// <param name="i">Parameter on the x axis.</param>
    /// <param name="j">Parameter on the y axis.</param>
    public static LandscapeGrid Evaluate(SmallProblem problem, double[] fixedTheta, int i, int j,
        (double Min, double Max) xRange, (double Min, double Max) yRange, int nx = 80, int ny = 60)
    {
        if (fixedTheta.Length != problem.ParameterCount) throw new ArgumentException($"θ has {fixedTheta.Length} entries; the problem has {problem.ParameterCount}.", nameof(fixedTheta));
        if (i == j || i < 0 || j < 0 || i >= problem.ParameterCount || j >= problem.ParameterCount) throw new ArgumentOutOfRangeException(nameof(i), "Pick two different parameters.");
        if (nx < 2 || ny < 2 || (long)nx * ny > MaxCells) throw new ArgumentOutOfRangeException(nameof(nx), $"A grid needs 2 to {MaxCells:N0} cells.");
        if (!(xRange.Max > xRange.Min) || !(yRange.Max > yRange.Min)) throw new ArgumentOutOfRangeException(nameof(xRange), "Empty range.");

        var xs = Linspace(xRange.Min, xRange.Max, nx);
        var ys = Linspace(yRange.Min, yRange.Max, ny);
        var rows = new double[nx * ny * problem.ParameterCount];
        int p = problem.ParameterCount;
        for (int r = 0; r < ny; r++)
            for (int c = 0; c < nx; c++)
            {
                int at = (r * nx + c) * p;
                Array.Copy(fixedTheta, 0, rows, at, p);
                rows[at + i] = xs[c];
                rows[at + j] = ys[r];
            }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var values = new double[nx * ny];
        const int chunk = 4096;   // bounds the (K, N) intermediate for large data sets
        for (int start = 0; start < nx * ny; start += chunk)
        {
            int count = Math.Min(chunk, nx * ny - start);
            using var inner = NewDisposeScope();
            var theta = tensor(rows.AsSpan(start * p, count * p).ToArray(), [count, p], float64);
            problem.FullLosses(theta).data<double>().CopyTo(values, start);
        }
        return new LandscapeGrid(problem.ParameterNames[i], problem.ParameterNames[j], xs, ys, values);
    }

    /// <summary>A range that holds all the given coordinates with a margin (and a minimum width).</summary>
    public static (double Min, double Max) Around(IEnumerable<double> values, double margin = 0.15, double minWidth = 1.0)
    {
        var finite = values.Where(double.IsFinite).ToArray();
        if (finite.Length == 0) return (-1, 1);
        double lo = finite.Min(), hi = finite.Max(), width = Math.Max(hi - lo, minWidth);
        double mid = (lo + hi) / 2;
        return (mid - width * (0.5 + margin), mid + width * (0.5 + margin));
    }

    private static double[] Linspace(double a, double b, int n) => [.. Enumerable.Range(0, n).Select(k => a + (b - a) * k / (n - 1))];
}
