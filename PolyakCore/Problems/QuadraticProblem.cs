namespace PolyakCore.Problems;

/// <summary>1a: y = 2x² + 1 with x ~ U(−1, 1), fitted by Linear(2, 1) on features [x, x²].</summary>
/// <remarks>The interpolation case: the optimum w = (0, 2), b = 1 has zero loss, so f* = 0 is exact.</remarks>
public sealed class QuadraticProblem : LinearRegressionProblem
{
    public const int DefaultPoints = 1000;

    private QuadraticProblem(double[] x)
        : base(Column(x, [v => v, v => v * v]), [.. x.Select(v => 2 * v * v + 1)]) { }

    public static QuadraticProblem Create(int points = DefaultPoints, int dataSeed = 0)
    {
        var random = SeededRandom.Stream(dataSeed, 0);
        return new QuadraticProblem([.. Enumerable.Range(0, points).Select(_ => random.Uniform(-1, 1))]);
    }

    public override string Name => "quadratic";

    /// <summary>The true parameters (0, 2, 1).</summary>
    public static double[] TrueParameters => [0.0, 2.0, 1.0];
}
