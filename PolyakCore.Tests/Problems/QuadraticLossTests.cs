using PolyakCore.Problems;
using TorchSharp;
using static TorchSharp.torch;

namespace PolyakCore.Tests.Problems;

/// <summary>The closed form of least squares' full-data loss that epoch-end losses and contours use.</summary>
public class QuadraticLossTests
{
    [Theory]
    [InlineData("noisy-linear", 5.0)]
    [InlineData("multi-linear", 1.0)]
    [InlineData("quadratic", 0.0)]
    public void LeastSquaresFullLossIsItsQuadraticForm(string name, double noise)
    {
        using var problem = ProblemCatalog.Create(name, new ProblemOptions { Noise = noise });
        var quadratic = problem.Quadratic;
        Assert.NotNull(quadratic);
        var optimum = tensor(problem.Optimum!, float64);
        var generator = new Generator(5);
        var far = randn(6, problem.ParameterCount, float64, generator: generator) * 3;
        var near = optimum.unsqueeze(0) + randn(6, problem.ParameterCount, float64, generator: generator) * 1e-3;
        foreach (var theta in new[] { far, near })
        {
            var direct = problem.PointLosses(theta, problem.Inputs, problem.Targets).mean([1]);
            Assert.True(problem.FullLosses(theta).allclose(direct, rtol: 1e-11, atol: 1e-14), $"{name}: quadratic form and sum of squares differ");
        }
        double floor = problem.PointLosses(optimum.unsqueeze(0), problem.Inputs, problem.Targets).mean().ToDouble();
        Assert.Equal(floor, problem.FullLoss(problem.Optimum!), 12);
    }

    [Fact]
    public void StackedQuadraticFormsGiveEachRowItsOwnDataSetsLoss()
    {
        var problems = new[] { 1, 2, 3 }.Select(seed => ProblemCatalog.Create("noisy-linear", new ProblemOptions { Noise = 2, DataSeed = seed })).ToArray();
        try
        {
            using var stacked = QuadraticLoss.Stack([.. problems.Select(p => p.Quadratic!)]);
            var theta = tensor(new double[] { 1, 0, 3, 1, -2, 4 }, [3, 2], float64);
            var losses = stacked.Evaluate(theta).data<double>().ToArray();
            for (int k = 0; k < 3; k++)
                Assert.Equal(problems[k].FullLoss([theta[k, 0].ToDouble(), theta[k, 1].ToDouble()]), losses[k], 10);
            Assert.NotEqual(losses[0], problems[1].FullLoss([1, 0]), 6);      // the data sets do differ
        }
        finally
        {
            foreach (var p in problems) p.Dispose();
        }
    }
}
