using PolyakCore.Problems;
using TorchSharp;
using static TorchSharp.torch;

namespace PolyakCore.Tests.Problems;

public class ProblemTests
{
    [Fact]
    public void TwoWellLossMatchesTheFormula()
    {
        using var problem = TwoWellProblem.Create(a: 20, b: 9, c: 10);
        var w = problem.DataPoints();
        double[][] points = [[3, 3], [1, 1], [-8, -9], [0.3, -2.5]];
        foreach (var x in points)
        {
            var expected = Enumerable.Range(0, problem.Count).Select(i => problem.PointLoss(x[0], x[1], w[2 * i], w[2 * i + 1])).Average();
            Assert.Equal(expected, problem.FullLoss(x), 10);
        }
        // By hand at x = (3, 3) for the point w = 0: z = (2, 2), min(20·8, 11² + 12²) = 160.
        Assert.Equal(160.0, problem.PointLoss(3, 3, 0, 0), 12);
    }

    [Fact]
    public void TwoWellGradientMatchesTheFormula()
    {
        using var problem = TwoWellProblem.Create();
        var w = problem.DataPoints();
        var theta = tensor(new[] { 2.0, 1.5 }, float64).requires_grad_();
        problem.FullLosses(theta.unsqueeze(0)).sum().backward();
        // At (2, 1.5) every point is in the sharp well: ∇ = mean of 2a·z.
        double g0 = 0, g1 = 0;
        for (int i = 0; i < problem.Count; i++) { g0 += 2 * 20 * (2 - w[2 * i] - 1); g1 += 2 * 20 * (1.5 - w[2 * i + 1] - 1); }
        var grad = theta.grad!.data<double>().ToArray();
        Assert.Equal(g0 / problem.Count, grad[0], 10);
        Assert.Equal(g1 / problem.Count, grad[1], 10);
    }

    [Fact]
    public void TwoWellWellsHaveTheExpectedLosses()
    {
        using var problem = TwoWellProblem.Create();
        Assert.InRange(problem.FullLoss(problem.LocalCentre), 0.05 * 20, 0.3 * 20);   // ≈ 0.16·a: the sharp well is the local one
        Assert.InRange(problem.FullLoss(problem.GlobalCentre), 0.05, 0.3);           // ≈ 0.16
        Assert.Equal("local", problem.WellOf(problem.LocalCentre));
        Assert.Equal("global", problem.WellOf(problem.GlobalCentre));
        Assert.Equal("elsewhere", problem.WellOf([3, 3]));
    }

    [Fact]
    public void NoiselessLeastSquaresOptimumIsTheTruth()
    {
        using var quadratic = QuadraticProblem.Create();
        Assert.Equal(QuadraticProblem.TrueParameters, quadratic.Optimum, new Tolerance(1e-9));
        using var linear = NoisyLinearProblem.Create(noise: 0);
        Assert.Equal([3.0, 1.0], linear.Optimum, new Tolerance(1e-9));
    }

    [Fact]
    public void NoisyOptimumLossIsAboutSigmaSquared()
    {
        using var linear = NoisyLinearProblem.Create(noise: 1.0);
        Assert.InRange(linear.FullLoss(linear.Optimum), 0.85, 1.15);
        using var multi = MultiLinearProblem.Create(noise: 1.0);
        Assert.Equal(MultiLinearProblem.TrueWeights.Append(MultiLinearProblem.TrueBias), multi.Optimum, new Tolerance(0.15));
    }

    [Fact]
    public void DataSeedDecidesTheData()
    {
        using var a = NoisyLinearProblem.Create(noise: 1, dataSeed: 1);
        using var b = NoisyLinearProblem.Create(noise: 1, dataSeed: 1);
        using var c = NoisyLinearProblem.Create(noise: 1, dataSeed: 2);
        Assert.True(a.Targets.Equals(b.Targets));
        Assert.False(a.Targets.Equals(c.Targets));
    }
}

public class ClosedFormGradientTests
{
    public static TheoryData<string> Problems => new() { "quadratic", "noisy-linear", "two-well", "multi-linear" };

    [Theory]
    [MemberData(nameof(Problems))]
    public void WrittenOutGradientEqualsAutograd(string name)
    {
        WrittenOutGradientEqualsAutogradOn(name, strided: false);
        WrittenOutGradientEqualsAutogradOn(name, strided: true);     // least squares: libtorch's formula, not the managed loop
    }

    private static void WrittenOutGradientEqualsAutogradOn(string name, bool strided)
    {
        using var problem = ProblemCatalog.Create(name, new ProblemOptions { Points = 25, Noise = 0.5 });
        var generator = new Generator(3);
        int k = 7;
        var theta = (randn(k, problem.ParameterCount, float64, generator: generator) * 3).requires_grad_();
        var index = randint(0, problem.Count, [k, 5], ScalarType.Int64, generator: generator);      // each row's own mini-batch
        var inputs = problem.Inputs.index_select(0, index.flatten()).view(k, 5, -1);
        var targets = problem.Targets.index_select(0, index.flatten()).view(k, 5);
        if (strided) inputs = inputs.transpose(1, 2).contiguous().transpose(1, 2);    // the same values, not contiguous
        Assert.Equal(!strided, inputs.is_contiguous());
        var (loss, gradient) = problem.BatchLossAndGradient(theta.detach(), inputs, targets, 0.2);

        var expected = problem.PointLosses(theta, inputs, targets).sum(1, false) * 0.2;
        expected.sum().backward();
        Assert.True(loss.allclose(expected.detach(), rtol: 1e-12, atol: 1e-12), "losses differ");
        Assert.True(gradient.allclose(theta.grad!, rtol: 1e-10, atol: 1e-10), "gradients differ");
        Assert.True(problem.HasClosedFormGradient);
    }

    [Theory]
    [InlineData(false, 7)]
    [InlineData(true, 7)]
    [InlineData(true, 16)]
    public void RowsThatReadTheSamePointsGetTheNumbersEachGetsAlone(bool permuted, int length)
    {
        // Rows on the same block and order are computed together, a vector lane each (up to four at a time): every row's
        // loss and gradient must be exactly those it gets computed on its own.
        int n = 20, p = 2;
        var random = new Random(4);
        var inputs = Enumerable.Range(0, 3 * n * p).Select(i => i % p == 1 ? 1.0 : random.NextDouble() * 4 - 2).ToArray();
        var targets = Enumerable.Range(0, 3 * n).Select(_ => random.NextDouble() * 10).ToArray();
        long[] offsets = [.. new[] { 0, 0, 0, 0, 0, 1, 1, 2, 0 }.Select(b => (long)b * n)];       // five rows on block 0, …
        long[] orderOffsets = [.. new[] { 0, 0, 0, 0, 0, 0, 1, 1, 1 }.Select(o => (long)o * n)];
        var orders = Enumerable.Range(0, 2).SelectMany(_ => Enumerable.Range(0, n).OrderBy(_ => random.Next())).ToArray();
        int rows = offsets.Length;
        var theta = Enumerable.Range(0, rows * p).Select(_ => random.NextDouble() * 6 - 3).ToArray();
        StackedBatch Batch(int first, int count) => permuted
            ? new(inputs, targets, n, offsets.AsSpan(first, count), 3, length, 1.0 / length, orders, orderOffsets.AsSpan(first, count))
            : new(inputs, targets, n, offsets.AsSpan(first, count), 3, length, 1.0 / length);
        var (loss, gradient) = (new double[rows], new double[rows * p]);
        LeastSquaresBatch.Compute(theta, Batch(0, rows), loss, gradient);
        for (int row = 0; row < rows; row++)
        {
            var (alone, aloneGradient) = (new double[1], new double[p]);
            LeastSquaresBatch.Compute(theta.AsSpan(row * p, p), Batch(row, 1), alone, aloneGradient);
            Assert.Equal(alone[0], loss[row]);
            Assert.Equal(aloneGradient, gradient.AsSpan(row * p, p).ToArray());
            double expected = 0;
            for (int j = 0; j < length; j++)
            {
                int point = (int)offsets[row] + (permuted ? orders[orderOffsets[row] + 3 + j] : 3 + j);
                double r = inputs[point * p] * theta[row * p] + theta[row * p + 1] - targets[point];
                expected += r * r / length;
            }
            Assert.Equal(expected, loss[row], 12);
        }
    }
}
