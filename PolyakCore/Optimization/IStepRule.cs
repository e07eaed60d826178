namespace PolyakCore.Optimization;

/// <summary>Picks the step size α of the update θ ← θ − α·d. One instance per run: rules may keep state.</summary>
/// <remarks>A new step rule is one small class implementing this; the optimizer and the batched
/// trajectory engine both call it with plain doubles.</remarks>
public interface IStepRule
{
    /// <summary>True when the rule needs ⟨g, d⟩ (costs one extra reduction per step).</summary>
    bool NeedsGradDotDirection => false;

    /// <summary>True when the rule calls <see cref="StepContext.TrialLoss"/>.</summary>
    bool NeedsTrialLoss => false;

    /// <summary>True when the rule reads <see cref="StepContext.Model"/> (three more reductions per step).</summary>
    bool NeedsModelProducts => false;

    StepChoice Next(in StepContext context);

    /// <summary>A fresh copy with the same settings and no state (for running many trajectories).</summary>
    IStepRule Clone();
}
