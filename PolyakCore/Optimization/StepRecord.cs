namespace PolyakCore.Optimization;

/// <summary>What one optimizer step did.</summary>
/// <param name="Loss">Mini-batch loss before the update.</param>
/// <param name="StepSize">α chosen by the step rule.</param>
/// <param name="GradNormSq">‖g‖².</param>
/// <param name="EffectiveStep">α·‖d‖/‖g‖: the plain-gradient step the update is as long as (α itself for d = g).</param>
/// <param name="Evaluations">Extra loss evaluations the step rule spent (line search trials).</param>
public readonly record struct StepRecord(double Loss, double StepSize, double GradNormSq, double EffectiveStep, int Evaluations);

/// <summary>The reductions of one step's gradient g and direction d that step rules and records use.</summary>
/// <param name="GradNormSq">‖g‖².</param>
/// <param name="GradDotDirection">⟨g, d⟩ (‖g‖² for d = g).</param>
/// <param name="DirectionNormSq">‖d‖² (‖g‖² for d = g).</param>
public readonly record struct StepReductions(double GradNormSq, double GradDotDirection, double DirectionNormSq)
{
    /// <summary>⟨θ, g⟩, ⟨θ, m⟩, ⟨m, d⟩ where the rule needs them (MoMo); zero otherwise.</summary>
    public ModelProducts Model { get; init; }

    public static StepReductions ForGradient(double gradNormSq) => new(gradNormSq, gradNormSq, gradNormSq);

    /// <summary>α·‖d‖/‖g‖: the plain-gradient step as long as the update (α itself for d = g).</summary>
    public double EffectiveStep(double stepSize, bool isGradient) =>
        isGradient ? stepSize : GradNormSq > 0 ? stepSize * Math.Sqrt(DirectionNormSq / GradNormSq) : 0.0;

    /// <summary>The record of a step with this gradient, loss and chosen step.</summary>
    public StepRecord Record(double loss, StepChoice choice, bool isGradient) =>
        new(loss, choice.StepSize, GradNormSq, EffectiveStep(choice.StepSize, isGradient), choice.Evaluations);

    /// <summary>What a step rule sees.</summary>
    public StepContext Context(double loss, int batchesPerEpoch, Func<double, double>? trialLoss = null) =>
        new(loss, GradNormSq, GradDotDirection, batchesPerEpoch, trialLoss) { Model = Model };
}
