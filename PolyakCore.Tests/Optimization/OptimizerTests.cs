using PolyakCore.Optimization;
using PolyakCore.Optimization.Directions;
using PolyakCore.Optimization.StepRules;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PolyakCore.Tests.Optimization;

public class OptimizerTests
{
    // f(θ) = ½‖θ − t‖² on one "batch" with θ = (1, 2), t = (0, 0): f = 2.5, g = θ, ‖g‖² = 5.
    [Fact]
    public void PolyakSgdStepMatchesHandComputation()
    {
        var theta = new Parameter(tensor(new[] { 1.0, 2.0 }, float64));
        using var opt = new Optimizer([theta], new GradientDirection(), new PolyakStep(new PolyakSettings(Eps: 0)));
        opt.step(() => { theta.grad?.zero_(); var l = theta.square().sum() * 0.5; l.backward(); return l; });
        // α = 2.5 / 5 = 0.5; θ ← θ − 0.5·θ = (0.5, 1).
        Assert.Equal(0.5, opt.LastStep!.Value.StepSize, 15);
        Assert.Equal(5.0, opt.LastStep!.Value.GradNormSq, 15);
        Assert.Equal(new[] { 0.5, 1.0 }, theta.data<double>().ToArray());
    }

    [Fact]
    public void CorrectedDenominatorUsesGradDotAdamDirection()
    {
        // First Adam step: d = g / (|g| + ε) ≈ sign(g) = (1, 1); ⟨g, d⟩ ≈ |1| + |2| = 3; α = 2.5 / 3.
        var theta = new Parameter(tensor(new[] { 1.0, 2.0 }, float64));
        using var opt = new Optimizer([theta], new AdamDirection(new AdamSettings(Eps: 0)), new PolyakStep(new PolyakSettings(Eps: 0, Corrected: true)));
        opt.step(() => { theta.grad?.zero_(); var l = theta.square().sum() * 0.5; l.backward(); return l; });
        Assert.Equal(2.5 / 3.0, opt.LastStep!.Value.StepSize, 12);
        Assert.Equal(new[] { 1 - 2.5 / 3, 2 - 2.5 / 3 }, theta.data<double>().ToArray(), new Tolerance(1e-12));
        // Effective step α‖d‖/‖g‖ = (2.5/3)·√2/√5.
        Assert.Equal(2.5 / 3 * Math.Sqrt(2.0 / 5.0), opt.LastStep!.Value.EffectiveStep, 12);
    }

    [Fact]
    public void ArmijoHalvesUntilSufficientDecrease()
    {
        // f = θ² at θ = 1: g = 2. Trials α = 1 (θ → −1, f = 1: not ≤ 1 − c·1·4), α = 0.5 (θ → 0, f = 0: accepted).
        var theta = new Parameter(tensor(new[] { 1.0 }, float64));
        var rule = new ArmijoStep(new ArmijoSettings(InitialStep: 1.0, Shrink: 0.5, C: 0.1));
        using var opt = new Optimizer([theta], new GradientDirection(), rule);
        var loss = theta.square().sum();
        loss.backward();
        var record = opt.Step(loss, () => { using var _ = no_grad(); return theta.square().sum().ToDouble(); });
        Assert.Equal(0.5, record.StepSize);
        Assert.Equal(2, record.Evaluations);
        Assert.Equal(0.0, theta.data<double>()[0], 15);
        Assert.Equal([false, true], rule.LastTrials.Select(t => t.Accepted));
    }

    [Fact]
    public void AdamTimesConstantReproducesTorchAdam() =>
        AssertSameTrajectory(p => new Optimizer(p, new AdamDirection(new AdamSettings(0.9, 0.999, 1e-8)), new ConstantStep(0.05)),
                             p => torch.optim.Adam(p, lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8));

    [Fact]
    public void GradientTimesConstantReproducesTorchSgd() =>
        AssertSameTrajectory(p => new Optimizer(p, new GradientDirection(), new ConstantStep(0.05)),
                             p => torch.optim.SGD(p, 0.05));

    // A small two-layer regression with several parameter tensors, 200 steps on fixed random batches.
    private static void AssertSameTrajectory(Func<IEnumerable<Parameter>, torch.optim.Optimizer> ours, Func<IEnumerable<Parameter>, torch.optim.Optimizer> theirs)
    {
        var generator = new Generator(7);
        var x = randn(64, 3, float64, generator: generator);
        var y = randn(64, 1, float64, generator: generator);
        var w1 = randn(3, 4, float64, generator: generator);
        var w2 = randn(4, 1, float64, generator: generator);
        (Parameter A, Parameter B) Fresh() => (new Parameter(w1.clone()), new Parameter(w2.clone()));
        var (a1, b1) = Fresh();
        var (a2, b2) = Fresh();
        using var o1 = ours([a1, b1]);
        using var o2 = theirs([a2, b2]);
        for (int step = 0; step < 200; step++)
        {
            var rows = arange(step % 8 * 8, step % 8 * 8 + 8);
            Tensor Closure(Parameter a, Parameter b, torch.optim.Optimizer o) { o.zero_grad(); var l = (x[rows].matmul(a).tanh().matmul(b) - y[rows]).square().mean(); l.backward(); return l; }
            o1.step(() => Closure(a1, b1, o1));
            o2.step(() => Closure(a2, b2, o2));
        }
        Assert.True(a1.allclose(a2, rtol: 0, atol: 1e-6), "first layer differs");
        Assert.True(b1.allclose(b2, rtol: 0, atol: 1e-6), "second layer differs");
        Assert.False(a1.allclose(w1, rtol: 0, atol: 1e-3), "the optimizer did not move");
    }
}
