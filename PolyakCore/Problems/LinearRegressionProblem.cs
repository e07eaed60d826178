using static TorchSharp.torch;

namespace PolyakCore.Problems;

/// <summary>Linear(F, 1) with squared error on fixed features: θ = (w₁ … w_F, b), ℓ = (w·x + b − y)².</summary>
public abstract class LinearRegressionProblem : SmallProblem
{
    private double[]? _optimum;

    protected LinearRegressionProblem(double[,] features, double[] targets)
        : base(tensor(features, float64), tensor(targets, float64))
    {
        int f = features.GetLength(1);
        ParameterNames = [.. Enumerable.Range(1, f).Select(i => f == 1 ? "w" : $"w{i}"), "b"];
    }

    public override IReadOnlyList<string> ParameterNames { get; }

    public int FeatureCount => ParameterCount - 1;

    public override Tensor PointLosses(Tensor theta, Tensor inputs, Tensor targets)
    {
        var weights = theta.narrow(1, 0, FeatureCount);          // (K, F)
        var bias = theta.narrow(1, FeatureCount, 1);              // (K, 1)
        var residual = weights.matmul(inputs.T).add_(bias).sub_(targets);  // (K, N)
        return residual.pow_(2);
    }

    /// <summary>PyTorch's nn.Linear default: U(−1/√F, 1/√F) for weights and bias.</summary>
    public override double[] InitialParameters(int seed)
    {
        var random = SeededRandom.Stream(seed, 1);
        double bound = 1.0 / Math.Sqrt(FeatureCount);
        return [.. Enumerable.Range(0, ParameterCount).Select(_ => random.Uniform(-bound, bound))];
    }

    /// <summary>Least-squares solution of [X 1]·θ = y (the floor every chart draws).</summary>
    public override double[] Optimum => _optimum ??= SolveLeastSquares();

    private double[] SolveLeastSquares()
    {
        using var scope = NewDisposeScope();
        var design = cat([Inputs, ones(Count, 1, float64)], 1);
        var solution = linalg.lstsq(design, Targets.unsqueeze(1)).Solution;
        return solution.squeeze(1).data<double>().ToArray();
    }

    protected static double[,] Column(double[] x, Func<double, double>[] features)
    {
        var result = new double[x.Length, features.Length];
        for (int i = 0; i < x.Length; i++)
            for (int j = 0; j < features.Length; j++)
                result[i, j] = features[j](x[i]);
        return result;
    }
}
