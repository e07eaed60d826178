using PolyakCore.Problems;
using static TorchSharp.torch;

namespace PolyakCore.Demos;

/// <summary>A function of two variables on a grid, in one tensor evaluation (for contour plots).</summary>
public static class FunctionGrid
{
    public static LandscapeGrid Evaluate(Func<Tensor, Tensor> f, (double Min, double Max) xRange, (double Min, double Max) yRange,
        string xName, string yName, int nx = 90, int ny = 70)
    {
        var xs = Enumerable.Range(0, nx).Select(k => xRange.Min + (xRange.Max - xRange.Min) * k / (nx - 1)).ToArray();
        var ys = Enumerable.Range(0, ny).Select(k => yRange.Min + (yRange.Max - yRange.Min) * k / (ny - 1)).ToArray();
        var rows = new double[nx * ny * 2];
        for (int r = 0; r < ny; r++)
            for (int c = 0; c < nx; c++) { rows[2 * (r * nx + c)] = xs[c]; rows[2 * (r * nx + c) + 1] = ys[r]; }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var values = f(tensor(rows, [nx * ny, 2], float64)).data<double>().ToArray();
        return new LandscapeGrid(xName, yName, xs, ys, values);
    }
}
