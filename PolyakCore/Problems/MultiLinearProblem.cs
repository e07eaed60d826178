namespace PolyakCore.Problems;

/// <summary>1e: y = X·w + b + ε with X ~ N(0, I₅), w = (1, −2, 3, 0.5, −1), b = 0.5, ε ~ N(0, σ²).</summary>
public sealed class MultiLinearProblem : LinearRegressionProblem
{
    public const int DefaultPoints = 1000;
    public static readonly double[] TrueWeights = [1, -2, 3, 0.5, -1];
    public const double TrueBias = 0.5;

    private MultiLinearProblem(double[,] x, double[] y, double noise) : base(x, y) => Noise = noise;

    public static MultiLinearProblem Create(int points = DefaultPoints, double noise = 0.1, int dataSeed = 0)
    {
        var random = SeededRandom.Stream(dataSeed, 0);
        int f = TrueWeights.Length;
        var x = new double[points, f];
        var y = new double[points];
        for (int i = 0; i < points; i++)
        {
            double sum = TrueBias;
            for (int j = 0; j < f; j++) { x[i, j] = random.Normal(); sum += TrueWeights[j] * x[i, j]; }
            y[i] = sum + noise * random.Normal();
        }
        return new MultiLinearProblem(x, y, noise);
    }

    public override string Name => "multi-linear";

    public double Noise { get; }
}
