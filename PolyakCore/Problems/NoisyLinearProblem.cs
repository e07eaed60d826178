namespace PolyakCore.Problems;

/// <summary>1b: y = 3x + 1 + σ·N(0, 1) with x ~ U(−1, 1), fitted by Linear(1, 1).</summary>
/// <remarks>With σ &gt; 0 the least-squares loss is about σ², so f* = 0 is wrong by that much and the
/// Polyak step grows without bound near the optimum.</remarks>
public sealed class NoisyLinearProblem : LinearRegressionProblem
{
    public const int DefaultPoints = 1000;

    private NoisyLinearProblem(double[] x, double[] y, double noise) : base(Column(x, [v => v]), y) => Noise = noise;

    public static NoisyLinearProblem Create(int points = DefaultPoints, double noise = 0.0, int dataSeed = 0)
    {
        var random = SeededRandom.Stream(dataSeed, 0);
        var x = Enumerable.Range(0, points).Select(_ => random.Uniform(-1, 1)).ToArray();
        var y = x.Select(v => 3 * v + 1 + noise * random.Normal()).ToArray();
        return new NoisyLinearProblem(x, y, noise);
    }

    public override string Name => "noisy-linear";

    public double Noise { get; }
}
