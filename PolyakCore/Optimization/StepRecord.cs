namespace PolyakCore.Optimization;

/// <summary>What one optimizer step did.</summary>
/// <param name="Loss">Mini-batch loss before the update.</param>
/// <param name="StepSize">α chosen by the step rule.</param>
/// <param name="GradNormSq">‖g‖².</param>
/// <param name="EffectiveStep">α·‖d‖/‖g‖: the plain-gradient step the update is as long as (α itself for d = g).</param>
/// <param name="Evaluations">Extra loss evaluations the step rule spent (line search trials).</param>
public readonly record struct StepRecord(double Loss, double StepSize, double GradNormSq, double EffectiveStep, int Evaluations);
