using PolyakCore.Optimization;
using PolyakCore.Optimization.StepRules;

namespace PolyakCore.Tests.Optimization;

/// <summary>The step rule against numbers done by hand: f = 3, ‖g‖² = 4, ⟨g, d⟩ = 2.</summary>
public class PolyakStepTests
{
    private static readonly StepContext Context = new(Loss: 3.0, GradNormSq: 4.0, GradDotDirection: 2.0, BatchesPerEpoch: 4);

    private static double Step(PolyakSettings s, StepContext? c = null) => new PolyakStep(s).Next(c ?? Context).StepSize;

    [Fact] public void Plain() => Assert.Equal(3.0 / (4.0 + 1e-8), Step(new PolyakSettings()), 15);
    [Fact] public void FStar() => Assert.Equal((3.0 - 1.0) / (4.0 + 1e-8), Step(new PolyakSettings(FStar: 1.0)), 15);
    [Fact] public void Eps() => Assert.Equal(3.0 / 5.0, Step(new PolyakSettings(Eps: 1.0)), 15);
    [Fact] public void ScaleC() => Assert.Equal(3.0 / (0.5 * 4.0 + 0), Step(new PolyakSettings(Eps: 0, C: 0.5)), 15);
    [Fact] public void Cap() => Assert.Equal(0.25, Step(new PolyakSettings(MaxStep: 0.25)), 15);
    [Fact] public void CapAboveStepDoesNothing() => Assert.Equal(0.75, Step(new PolyakSettings(Eps: 0, MaxStep: 10)), 15);
    [Fact] public void Corrected() => Assert.Equal(3.0 / 2.0, Step(new PolyakSettings(Eps: 0, Corrected: true)), 15);

    [Fact]
    public void NegativeGapGivesNegativeStepUnlessPlus()
    {
        Assert.Equal(-1.0 / 4.0, Step(new PolyakSettings(FStar: 4.0, Eps: 0)), 15);
        Assert.Equal(0.0, Step(new PolyakSettings(FStar: 4.0, Eps: 0, Plus: true)));
    }

    [Fact]
    public void VanishingGradientGivesZeroStep() =>
        Assert.Equal(0.0, Step(new PolyakSettings(Eps: 0), new StepContext(1.0, 0.0, 0.0, 1)));

    [Fact]
    public void SmoothingLimitsGrowthTo2PowOneOverB()
    {
        // b = 4 batches per epoch: each step may grow by at most 2^(1/4) over the previous one.
        var rule = new PolyakStep(new PolyakSettings(Eps: 0, MaxStep: 1.0, Smoothing: true));
        var small = new StepContext(0.1, 4.0, 4.0, 4);     // raw 0.025
        var large = new StepContext(3.0, 1.0, 1.0, 4);     // raw 3, capped at 1
        Assert.Equal(0.025, rule.Next(small).StepSize, 15);
        Assert.Equal(0.025 * Math.Pow(2, 0.25), rule.Next(large).StepSize, 15);
        Assert.Equal(0.025 * Math.Pow(2, 0.5), rule.Next(large).StepSize, 15);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(-1.0)]
    [InlineData(0.0)]
    public void BadCIsRejected(double c) => Assert.Throws<ArgumentOutOfRangeException>(() => new PolyakStep(new PolyakSettings(C: c)));
}
