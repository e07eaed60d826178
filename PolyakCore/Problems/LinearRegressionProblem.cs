using PolyakCore.Shared;
using static TorchSharp.torch;

namespace PolyakCore.Problems;

/// <summary>Linear(F, 1) with squared error on fixed features: θ = (w₁ … w_F, b), ℓ = (w·x + b − y)².</summary>
/// <remarks><see cref="SmallProblem.Inputs"/> holds the design matrix [x 1], so a prediction is one
/// <c>linear</c> call: on tiny models every op costs microseconds.</remarks>
public abstract class LinearRegressionProblem : SmallProblem
{
    private double[]? _optimum;
    private QuadraticLoss? _quadratic;

    protected LinearRegressionProblem(double[,] features, double[] targets)
        : base(tensor(WithOnes(features), float64), tensor(targets, float64))
    {
        int f = features.GetLength(1);
        ParameterNames = [.. Enumerable.Range(1, f).Select(i => f == 1 ? "w" : $"w{i}"), "b"];
    }

    public override IReadOnlyList<string> ParameterNames { get; }

    public int FeatureCount => ParameterCount - 1;

    public override Tensor PointLosses(Tensor theta, Tensor inputs, Tensor targets) =>
        Predict(theta, inputs).sub_(targets).Squared();

    /// <summary>r = X·θ − y per row; loss = scale·Σ r²; ∇ = 2·scale·rᵀX.</summary>
    public override bool HasClosedFormGradient => true;

    public override (Tensor Loss, Tensor Gradient) BatchLossAndGradient(Tensor theta, Tensor inputs, Tensor targets, double scale)
    {
        if (LeastSquaresBatch.Applies(theta, inputs, targets)) return LeastSquaresBatch.Compute(theta, inputs, targets, scale);
        var residual = Predict(theta, inputs).sub_(targets);                                   // (K, B)
        var gradient = residual.unsqueeze(1).bmm(inputs).squeeze(1).Scale_(2.0 * scale);         // (K, 1, B)·(K, B, P)
        return (residual.Squared().sum(1, false).Scale_(scale), gradient);
    }

    internal override bool HasStackedBatches => true;

    internal override void StackedLossAndGradient(ReadOnlySpan<double> theta, in StackedBatch batch, Span<double> loss, Span<double> gradient) =>
        LeastSquaresBatch.Compute(theta, batch, loss, gradient);

    // (K, P)·(N, P)ᵀ → (K, N) for shared data, one batched product for a data set per row: θ as a row times Xᵀ, which
    // libtorch computes 1.3–4× faster than X times θ as a column on these shapes (a 40 × 1,000 × 2 batch: 7 vs 25 µs).
    private static Tensor Predict(Tensor theta, Tensor inputs) => inputs.dim() == 2
        ? nn.functional.linear(theta, inputs)
        : theta.unsqueeze(1).bmm(inputs.transpose(1, 2)).squeeze(1);

    /// <summary>PyTorch's nn.Linear default: U(−1/√F, 1/√F) for weights and bias.</summary>
    public override double[] InitialParameters(int seed)
    {
        var random = SeededRandom.Stream(seed, 1);
        double bound = 1.0 / Math.Sqrt(FeatureCount);
        return [.. Enumerable.Range(0, ParameterCount).Select(_ => random.Uniform(-bound, bound))];
    }

    /// <summary>Least-squares solution of [X 1]·θ = y (the floor every chart draws).</summary>
    public override double[] Optimum => _optimum ??= SolveLeastSquares();

    /// <summary>f(θ) = (θ − θ*)ᵀ (XᵀX / N) (θ − θ*) + f(θ*), the floor summed once over the points at θ*.</summary>
    public override QuadraticLoss Quadratic
    {
        get
        {
            if (_quadratic is { } known) return known;
            var form = QuadraticForm();
            var won = Interlocked.CompareExchange(ref _quadratic, form, null);
            if (won is not null) form.Dispose();       // another thread got there first
            return won ?? form;
        }
    }

    // Kept by the problem: outside any caller's dispose scope. Summed here, like the solution, rather than by libtorch: a few
    // microseconds instead of eight ops (an ensemble forms one per data set), and the same digits on every processor
    // (MKL's products depend on the kernels the CPU picks), so the floor every finding compares with does not move.
    private QuadraticLoss QuadraticForm()
    {
        int n = Count, p = ParameterCount;
        ReadOnlySpan<double> x = TensorMemory.Doubles(Inputs), y = TensorMemory.Doubles(Targets);
        var minimizer = Optimum;
        var curvature = Gram(x, n, p);
        for (int i = 0; i < curvature.Length; i++) curvature[i] /= n;
        double floor = 0;
        for (int i = 0; i < n; i++)
        {
            double r = -y[i];
            for (int a = 0; a < p; a++) r += x[i * p + a] * minimizer[a];
            floor += r * r;
        }
        using var scope = NewDisposeScope();         // a caller's scope must not take them
        return new QuadraticLoss(tensor(curvature, [p, p], float64).DetachFromDisposeScope(), tensor(minimizer, float64).DetachFromDisposeScope(),
            tensor(floor / n, float64).DetachFromDisposeScope());
    }

    // XᵀX, (P, P) row by row.
    private static double[] Gram(ReadOnlySpan<double> x, int n, int p)
    {
        var gram = new double[p * p];
        for (int i = 0; i < n; i++)
            for (int a = 0; a < p; a++)
                for (int b = 0; b <= a; b++) gram[a * p + b] += x[i * p + a] * x[i * p + b];
        for (int a = 0; a < p; a++)
            for (int b = a + 1; b < p; b++) gram[a * p + b] = gram[b * p + a];
        return gram;
    }

    public override void Dispose()
    {
        _quadratic?.Dispose();
        base.Dispose();
    }

    // The normal equations XᵀX·θ = Xᵀy summed in managed code and solved by MathNet's Cholesky, then refined twice
    // against the residual y − Xθ (which brings θ to QR's accuracy): the same digits every time — libtorch's lstsq goes
    // to MKL, whose result moved in the last digit between two runs of one process — and fast (an ensemble draws
    // hundreds of data sets: a managed QR of each was most of a cancelled ensemble's set-up time).
    private double[] SolveLeastSquares()
    {
        int n = Count, p = ParameterCount;
        ReadOnlySpan<double> x = TensorMemory.Doubles(Inputs), y = TensorMemory.Doubles(Targets);      // contiguous, read in place
        var gram = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(p, p, Gram(x, n, p));    // symmetric: row or column major alike
        var cholesky = gram.Cholesky();
        var theta = new double[p];
        for (int pass = 0; pass < 3; pass++)
        {
            var rhs = new double[p];                  // Xᵀ(y − Xθ): θ itself on the first pass (θ = 0)
            for (int i = 0; i < n; i++)
            {
                double r = y[i];
                for (int a = 0; a < p; a++) r -= x[i * p + a] * theta[a];
                for (int a = 0; a < p; a++) rhs[a] += x[i * p + a] * r;
            }
            var step = cholesky.Solve(MathNet.Numerics.LinearAlgebra.Vector<double>.Build.DenseOfArray(rhs));
            for (int a = 0; a < p; a++) theta[a] += step[a];
        }
        return theta;
    }

    private static double[,] WithOnes(double[,] features)
    {
        int n = features.GetLength(0), f = features.GetLength(1);
        var design = new double[n, f + 1];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < f; j++) design[i, j] = features[i, j];
            design[i, f] = 1.0;
        }
        return design;
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
