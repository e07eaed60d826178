using PolyakCore.Optimization;
using PolyakCore.Optimization.Directions;
using PolyakCore.Optimization.StepRules;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PolyakCore.Tests.Optimization;

/// <summary>The published answers to Polyak's unknown f* (DecSPS, AdaSPS, MoMo, MoMo*, MoMo-Adam) against their first
/// steps done by hand, and their edge cases: a zero gradient, and a loss (or model value) below the bound.</summary>
public class FStarFixesTests
{
    private static StepContext Ctx(double loss, double gradNormSq) => new(loss, gradNormSq, gradNormSq, 1);

    // DecSPS, ℓ* = 0, c₀ = 1, γ_b = 1: γ₀ = min(3/4, 1·1)/1; γ₁ = min(3/1, c₀γ₀)/√2; γ₂ = min(1/4, c₁γ₁)/√3.
    [Fact]
    public void DecSpsFirstStepsByHand()
    {
        var rule = new DecSpsStep(new DecSpsSettings(LowerBound: 0, C0: 1, InitialBound: 1));
        Assert.Equal(0.75, rule.Next(Ctx(3, 4)).StepSize, 15);
        Assert.Equal(0.75 / Math.Sqrt(2), rule.Next(Ctx(3, 1)).StepSize, 15);   // capped by c₀γ₀ = 0.75, not the Polyak 3
        Assert.Equal(0.25 / Math.Sqrt(3), rule.Next(Ctx(1, 4)).StepSize, 15);   // the Polyak term 1/4 < c₁γ₁ = 0.75
    }

    [Fact]
    public void DecSpsScaleBoundAndLowerBound()
    {
        // c₀ = 2, γ_b = 0.25: min(0.75, 2·0.25)/2 = 0.25. ℓ* = 1: (3 − 1)/4 = 0.5 below γ_b = 1.
        Assert.Equal(0.25, new DecSpsStep(new DecSpsSettings(C0: 2, InitialBound: 0.25)).Next(Ctx(3, 4)).StepSize, 15);
        Assert.Equal(0.5, new DecSpsStep(new DecSpsSettings(LowerBound: 1)).Next(Ctx(3, 4)).StepSize, 15);
    }

    [Fact]
    public void DecSpsZeroGradientFollowsItsBound()
    {
        // Polyak term +∞: γ_k = c_{k−1}γ_{k−1}/c_k, i.e. γ_b, then γ_b/√2.
        var rule = new DecSpsStep(new DecSpsSettings(InitialBound: 0.5));
        Assert.Equal(0.5, rule.Next(Ctx(3, 0)).StepSize, 15);
        Assert.Equal(0.5 / Math.Sqrt(2), rule.Next(Ctx(3, 0)).StepSize, 15);
    }

    [Fact]
    public void DecSpsLossBelowTheBoundStopsItForGood()
    {
        var rule = new DecSpsStep(new DecSpsSettings(LowerBound: 4));
        Assert.Equal(0.0, rule.Next(Ctx(3, 4)).StepSize);
        Assert.Equal(0.0, rule.Next(Ctx(10, 4)).StepSize);                     // a positive gap later cannot raise it
    }

    // AdaSPS, ℓ* = 0, c_p from the first gap (1/√3): η₀ = 3/(c_p·4·√3) = 3/4 (the Polyak step);
    // η₁ = min(1/(c_p·1·√4), η₀) = min(√3/2, 3/4); η₂ = 1/(c_p·4·√5) = √3/(4√5).
    [Fact]
    public void AdaSpsFirstStepsByHand()
    {
        var rule = new AdaSpsStep();
        Assert.Equal(0.75, rule.Next(Ctx(3, 4)).StepSize, 15);
        Assert.Equal(1 / Math.Sqrt(3), rule.Scale!.Value, 15);
        Assert.Equal(0.75, rule.Next(Ctx(1, 1)).StepSize, 15);
        Assert.Equal(Math.Sqrt(3) / (4 * Math.Sqrt(5)), rule.Next(Ctx(1, 4)).StepSize, 15);
    }

    [Fact]
    public void AdaSpsGivenScale() =>
        Assert.Equal(3 / (2 * 4 * Math.Sqrt(3)), new AdaSpsStep(new AdaSpsSettings(Scale: 2)).Next(Ctx(3, 4)).StepSize, 15);

    [Fact]
    public void AdaSpsZeroGradientKeepsThePreviousStep()
    {
        var rule = new AdaSpsStep();
        Assert.Equal(0.0, rule.Next(Ctx(3, 0)).StepSize);                       // η = min(+∞, η₋₁ = +∞): nothing to move along
        // The gap 3 was summed: η₁ = 3/((1/√3)·4·√6).
        Assert.Equal(3 * Math.Sqrt(3) / (4 * Math.Sqrt(6)), rule.Next(Ctx(3, 4)).StepSize, 15);
        Assert.Equal(3 * Math.Sqrt(3) / (4 * Math.Sqrt(6)), rule.Next(Ctx(3, 0)).StepSize, 15);   // +∞ term: η₂ = η₁
    }

    [Fact]
    public void AdaSpsLossBelowTheBoundStopsItForGood()
    {
        var rule = new AdaSpsStep(new AdaSpsSettings(LowerBound: 4));
        Assert.Equal(0.0, rule.Next(Ctx(3, 4)).StepSize);
        Assert.Equal(0.0, rule.Next(Ctx(10, 4)).StepSize);
    }

    // f(θ) = ½‖θ‖² at θ = (1, 2): f = 2.5, g = θ.
    private static (Parameter Theta, Optimizer Optimizer) Half(IDirection direction, IStepRule rule)
    {
        var theta = new Parameter(tensor(new[] { 1.0, 2.0 }, float64));
        return (theta, new Optimizer([theta], direction, rule));
    }

    private static StepRecord HalfStep(Parameter theta, Optimizer optimizer)
    {
        optimizer.step(() => { theta.grad?.zero_(); var l = theta.square().sum() * 0.5; l.backward(); return l; });
        return optimizer.LastStep!.Value;
    }

    [Fact]
    public void MomoFirstTwoStepsByHand()
    {
        var (theta, optimizer) = Half(new MomentumDirection(new MomentumSettings(0.9)), new MomoStep(new MomoSettings(LearningRate: 1, Beta: 0.9)));
        using var _ = optimizer;
        // Step 1: f̄ = 2.5, γ = ⟨θ, g⟩ = 5, m = g, ⟨θ, m⟩ = 5, h = 2.5, ‖m‖² = 5: α = min(1, 2.5/5) = 0.5; θ = (0.5, 1).
        Assert.Equal(0.5, HalfStep(theta, optimizer).StepSize, 15);
        Assert.Equal(new[] { 0.5, 1.0 }, theta.data<double>().ToArray(), new Tolerance(1e-15));
        // Step 2: f = 0.625, g = (0.5, 1): f̄ = 2.3125, γ = 4.5 + 0.125 = 4.625, m = (0.95, 1.9), ⟨θ, m⟩ = 2.375,
        // h = 0.0625, ‖m‖² = 4.5125: α = 0.0625/4.5125.
        double alpha = 0.0625 / 4.5125;
        Assert.Equal(alpha, HalfStep(theta, optimizer).StepSize, 14);
        Assert.Equal(new[] { 0.5 - alpha * 0.95, 1.0 - alpha * 1.9 }, theta.data<double>().ToArray(), new Tolerance(1e-14));
    }

    [Fact]
    public void MomoIsCappedAtItsLearningRate()
    {
        var (theta, optimizer) = Half(new MomentumDirection(), new MomoStep(new MomoSettings(LearningRate: 0.1)));
        using var _ = optimizer;
        Assert.Equal(0.1, HalfStep(theta, optimizer).StepSize, 15);
        Assert.Equal(new[] { 0.9, 1.8 }, theta.data<double>().ToArray(), new Tolerance(1e-15));
    }

    [Fact]
    public void MomoAdamFirstStepByHand()
    {
        // Adam with ε = 0: m̂ = g, D = |g|, d = (1, 1); f̂ = 2.5, γ̂ = 5, ⟨θ, m̂⟩ = 5, h = 2.5, ⟨m̂, d⟩ = 3: α = 2.5/3.
        // The paper's form: τ = (f̄ + ⟨θ, m⟩ − γ)/‖m‖²_{D⁻¹} = 0.25/0.03 along D⁻¹m = 0.1·(1, 1): the same move.
        var (theta, optimizer) = Half(new AdamDirection(new AdamSettings(Eps: 0)), new MomoStep(new MomoSettings(LearningRate: 1, BiasCorrection: true)));
        using var _ = optimizer;
        Assert.Equal(2.5 / 3, HalfStep(theta, optimizer).StepSize, 14);
        Assert.Equal(new[] { 1 - 2.5 / 3, 2 - 2.5 / 3 }, theta.data<double>().ToArray(), new Tolerance(1e-14));
        // Capped: the catalogue's default lr 0.01.
        var (theta2, capped) = Half(new AdamDirection(new AdamSettings(Eps: 0)), new MomoStep(new MomoSettings(LearningRate: 0.01, BiasCorrection: true)));
        using var __ = capped;
        Assert.Equal(0.01, HalfStep(theta2, capped).StepSize, 15);
    }

    private static StepContext Model(double loss, double paramDotGrad, double paramDotMomentum, double momentumDotDirection) =>
        new(loss, 0, 0, 1) { Model = new ModelProducts(paramDotGrad, paramDotMomentum, momentumDotDirection) };

    [Fact]
    public void MomoStarEstimatesItsBoundByHand()
    {
        var rule = new MomoStep(new MomoSettings(LearningRate: 1, Beta: 0.9, EstimateBound: true));
        // h = 2.5, bound 0: α = 0.5, then the bound is the model after the step: 2.5 − ½·0.5·5 = 1.25.
        Assert.Equal(0.5, rule.Next(Model(2.5, 5, 5, 5)).StepSize, 15);
        Assert.Equal(1.25, rule.Bound, 15);
        // Same point: α = (2.5 − 1.25)/5 = 0.25, bound 2.5 − ½·0.25·5 = 1.875.
        Assert.Equal(0.25, rule.Next(Model(2.5, 5, 5, 5)).StepSize, 15);
        Assert.Equal(1.875, rule.Bound, 15);
        // f = 1: f̄ = 2.35, γ = 5, ⟨θ, m⟩ = 3.6, h = 0.95 < 1.875: reset to h/2 = 0.475; α = 0.475/5; bound 0.95 − ½·0.095·5.
        Assert.Equal(0.095, rule.Next(Model(1.0, 5, 3.6, 5)).StepSize, 14);
        Assert.Equal(0.7125, rule.Bound, 14);
    }

    [Fact]
    public void MomoStarNeverEstimatesBelowTheGivenBound()
    {
        var rule = new MomoStep(new MomoSettings(LearningRate: 10, LowerBound: 1.0, EstimateBound: true));
        // h = 2.5 − 1 over 5: α = 0.3; the model after the step, 2.5 − 0.75 = 1.75, is above 1.
        Assert.Equal(0.3, rule.Next(Model(2.5, 5, 5, 5)).StepSize, 15);
        Assert.Equal(1.75, rule.Bound, 15);
        // h = 0.5 below the bound: reset to max(0.25, 1) = 1; gap ≤ 0: no step.
        var low = new MomoStep(new MomoSettings(LowerBound: 1.0, EstimateBound: true));
        Assert.Equal(0.0, low.Next(Model(0.5, 0, 0, 5)).StepSize);
        Assert.Equal(1.0, low.Bound);
    }

    [Fact]
    public void MomoZeroAveragedGradientTakesNoStep()
    {
        Assert.Equal(0.0, new MomoStep().Next(Model(2.5, 0, 0, 0)).StepSize);
        Assert.Equal(0.0, new MomoStep(new MomoSettings(EstimateBound: true)).Next(Model(2.5, 0, 0, 0)).StepSize);
    }

    [Fact]
    public void MomoModelBelowTheBoundTakesNoStep()
    {
        // Plain Polyak with f* = 4 at f = 2.5 would step backwards (α < 0); MoMo truncates at the bound.
        var rule = new MomoStep(new MomoSettings(LowerBound: 4));
        Assert.Equal(0.0, rule.Next(Model(2.5, 5, 5, 5)).StepSize);
        Assert.Equal(4.0, rule.Bound);
    }

    [Fact]
    public void HeavyBallAveragesGradientsFromTheFirst()
    {
        using var direction = new MomentumDirection(new MomentumSettings(0.5));
        using var g1 = tensor(new[] { 2.0, 0.0 }, float64);
        using var g2 = tensor(new[] { 0.0, 4.0 }, float64);
        Assert.Equal(new[] { 2.0, 0.0 }, direction.Compute(0, g1).data<double>().ToArray());
        Assert.Equal(new[] { 1.0, 2.0 }, direction.Compute(0, g2).data<double>().ToArray());
        Assert.Null(((IDirection)direction).Momentum(0));
    }

    [Fact]
    public void SgdMomentumReproducesTorchSgdWithDampening()
    {
        var theta = new Parameter(tensor(new[] { 1.0, 2.0 }, float64));
        var other = new Parameter(tensor(new[] { 1.0, 2.0 }, float64));
        using var ours = OptimizerCatalog.Create(OptimizerCatalog.SgdMomentum, new() { Lr = 0.1, Beta1 = 0.9 }, [theta]);
        using var theirs = TorchSharp.torch.optim.SGD([other], 0.1, momentum: 0.9, dampening: 0.9);
        for (int i = 0; i < 20; i++)
        {
            ours.step(() => { theta.grad?.zero_(); var l = (theta * theta * tensor(new[] { 1.0, 3.0 }, float64)).sum(); l.backward(); return l; });
            theirs.step(() => { theirs.zero_grad(); var l = (other * other * tensor(new[] { 1.0, 3.0 }, float64)).sum(); l.backward(); return l; });
        }
        Assert.Equal(other.data<double>().ToArray(), theta.data<double>().ToArray(), new Tolerance(1e-14));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void BadSettingsAreRejected(double bad)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DecSpsStep(new DecSpsSettings(C0: bad)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdaSpsStep(new AdaSpsSettings(Scale: bad)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MomoStep(new MomoSettings(LearningRate: bad)));
    }
}
