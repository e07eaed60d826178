using PolyakCore.Demos;
using PolyakCore.Optimization;
using PolyakCore.Optimization.StepRules;

namespace PolyakCore.Tests.Demos;

public class LineSearchTests
{
    [Fact]
    public void ArmijoAcceptsOnlySufficientDecreaseAndCountsEveryEvaluation()
    {
        var result = LineSearchDemo.Run(new LineSearchSettings { Function = TestFunctions.Rosenbrock, Iterations = 30, C = 0.3 });
        var armijo = result.Methods.Single(m => m.Method == LineSearchDemo.Armijo);
        for (int i = 1; i < armijo.Steps.Count; i++)
        {
            var before = armijo.Steps[i - 1];
            var step = armijo.Steps[i];
            Assert.Equal(1 + step.Trials.Count, step.Evaluations);
            Assert.Equal(armijo.Steps[i - 1].CumulativeEvaluations + step.Evaluations, step.CumulativeEvaluations);
            Assert.True(step.Trials[^1].Accepted);
            Assert.All(step.Trials.SkipLast(1), t => Assert.False(t.Accepted));
            // Sufficient decrease, from the gradient at the previous point: f(x − αg) ≤ f(x) − c·α·‖g‖².
            var (gx, gy) = Gradient(before.X, before.Y);
            double bound = before.Loss - 0.3 * step.StepSize * (gx * gx + gy * gy);
            Assert.True(step.Loss <= bound + 1e-12, $"iteration {i}: {step.Loss} > {bound}");
            foreach (var rejected in step.Trials.Where(t => !t.Accepted))
            {
                double alpha = (before.X - rejected.X) / gx;
                Assert.True(rejected.Loss > before.Loss - 0.3 * alpha * (gx * gx + gy * gy));
            }
        }
        Assert.True(armijo.Steps.Sum(s => s.Trials.Count) > armijo.Steps.Count - 1, "some steps backtracked");
        var constant = result.Methods.Single(m => m.Method == LineSearchDemo.Constant);
        Assert.Equal(constant.Steps.Count, constant.Steps[^1].CumulativeEvaluations);   // one evaluation a step, start included
    }

    private static (double, double) Gradient(double x, double y) => (-2 * (1 - x) - 40 * x * (y - x * x), 20 * (y - x * x));

    [Fact]
    public void ArmijoRuleCountsTrialsAndTakesTheFirstAcceptable()
    {
        var rule = new ArmijoStep(new ArmijoSettings(InitialStep: 1, Shrink: 0.5, C: 0.5));
        // f(α) = (1 − α)² seen along d: slope ⟨g, d⟩ = 2, f(0) = 1. α = 1: 0 ≤ 1 − 0.5·1·2 = 0 ✓ on the first trial.
        var first = rule.Next(new StepContext(1, 4, 2, 1, a => (1 - a) * (1 - a) * 1));
        Assert.Equal((1.0, 1), (first.StepSize, first.Evaluations));
        // f(α) = (1 − 3α)²: α = 1 → 4 > 1 − 0.5·1·2 = 0 ✗; α = 0.5 → 0.25 ≤ 1 − 0.5·0.5·2 = 0.5 ✓.
        var second = rule.Next(new StepContext(1, 4, 2, 1, a => (1 - 3 * a) * (1 - 3 * a)));
        Assert.Equal((0.5, 2), (second.StepSize, second.Evaluations));
        // f(α) = (1 − 8α)²: 49 ✗, 9 ✗, 1 > 0.75 ✗, 0 ≤ 0.875 ✓ at α = 0.125 after 4 evaluations.
        var fourth = rule.Next(new StepContext(1, 4, 2, 1, a => (1 - 8 * a) * (1 - 8 * a)));
        Assert.Equal((0.125, 4), (fourth.StepSize, fourth.Evaluations));
    }

    [Fact]
    public void MiniBatchLineSearchCanRaiseTheFullLossAndCostsMoreEvaluations()
    {
        var stochastic = StochasticLineSearch.Run("noisy-linear", batchSize: 16, epochs: 2, noise: 1.0);
        var armijo = stochastic.Single(t => t.Method == "armijo-sgd");
        var polyak = stochastic.Single(t => t.Method == "polyak-sgd");
        Assert.True(armijo.Increases > 0, "with mini-batches the full-data loss went up at least once");
        Assert.True(armijo.Evaluations[^1] > polyak.Evaluations[^1], "backtracking costs extra evaluations");
        Assert.Equal(polyak.FullLoss.Length, polyak.Evaluations[^1]);   // one evaluation a step

        var full = StochasticLineSearch.Run("noisy-linear", batchSize: 1000, epochs: 30, noise: 1.0).Single(t => t.Method == "armijo-sgd");
        Assert.Equal(0, full.Increases);   // on the full data Armijo never lets the loss rise
    }
}

public class ConstraintTests
{
    [Theory]
    [InlineData(ChangeOfVariablesSettings.Exp, 2.0)]
    [InlineData(ChangeOfVariablesSettings.Exp, -1.0)]
    [InlineData(ChangeOfVariablesSettings.Square, 2.0)]
    [InlineData(ChangeOfVariablesSettings.Square, -1.0)]
    public void ChangeOfVariablesKeepsEveryIterateFeasible(string map, double target)
    {
        var result = ChangeOfVariables.Run(new ChangeOfVariablesSettings { Map = map, Target = target, Iterations = 500, Lr = 0.05 });
        Assert.All(result.X, x => Assert.True(x >= 0));
        Assert.All(result.ProjectedX, x => Assert.True(x >= 0));
        Assert.Equal(Math.Max(0, target), result.Optimum);
        if (target > 0) Assert.Equal(target, result.X[^1], 1e-3);
        else Assert.True(result.X[^1] < 0.2 && result.X[^1] > result.ProjectedX[^1], "boundary optimum: approached slowly, projection gets there");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(10.0)]
    [InlineData(1000.0)]
    public void PenaltyOptimumMatchesTheClosedForm(double lambda)
    {
        var result = PenaltyMethod.Run(new PenaltySettings { Function = PenaltySettings.Active, Lambda = lambda, Iterations = 400 });
        Assert.Equal(-2.0 / (1 + lambda), result.NumericOptimum, 1e-3);
        Assert.Equal(result.ExactOptimum, result.NumericOptimum, 1e-3);
        var inactive = PenaltyMethod.Run(new PenaltySettings { Function = PenaltySettings.Inactive, Lambda = lambda, Iterations = 400 });
        Assert.Equal(2.0, inactive.NumericOptimum, 1e-3);
    }

    [Fact]
    public void PlanePenaltyConvergesToItsClosedForm()
    {
        var (grid, x, y, optimum) = PenaltyMethod.Plane(10, 2000);
        Assert.Equal(optimum.X, x[^1], 1e-3);
        Assert.Equal(optimum.Y, y[^1], 1e-3);
        Assert.True(optimum.X + optimum.Y > 1, "at finite λ the optimum still violates the constraint a little");
        Assert.Equal(grid.Xs.Length * grid.Ys.Length, grid.Values.Length);
    }
}
