namespace PolyakCore.Optimization;

/// <summary>What a step rule may look at when it picks the step size of one update.</summary>
/// <param name="Loss">The mini-batch loss f(θ) at the current parameters.</param>
/// <param name="GradNormSq">‖g‖², the squared norm of the mini-batch gradient over all parameters.</param>
/// <param name="GradDotDirection">⟨g, d⟩ for the update direction d (equals ‖g‖² for plain gradient).</param>
/// <param name="BatchesPerEpoch">Mini-batches per epoch (SPS_max's smoothing grows the cap by 2^(1/b)).</param>
/// <param name="TrialLoss">f(θ − α·d) on the same mini-batch; only rules that search (Armijo) call it.</param>
public readonly record struct StepContext(
    double Loss,
    double GradNormSq,
    double GradDotDirection,
    int BatchesPerEpoch,
    Func<double, double>? TrialLoss = null)
{
    /// <summary>MoMo's model terms ⟨θ, g⟩, ⟨θ, m⟩ and ⟨m, d⟩ (m the direction's averaged gradient); zero unless the rule
    /// asks for them (<see cref="IStepRule.NeedsModelProducts"/>).</summary>
    public ModelProducts Model { get; init; }
}

/// <summary>The reductions a model-based rule (MoMo) needs besides ‖g‖²: inner products with the parameters θ before the
/// update and with the direction's averaged gradient m (<see cref="Directions.IDirection.Momentum"/>; m = d where the
/// direction does not name one).</summary>
/// <param name="ParamDotGrad">⟨θ, g⟩.</param>
/// <param name="ParamDotMomentum">⟨θ, m⟩.</param>
/// <param name="MomentumDotDirection">⟨m, d⟩: ‖m‖² for heavy ball, ‖m̂‖²_{D⁻¹} = ⟨m̂, m̂/D⟩ for Adam.</param>
public readonly record struct ModelProducts(double ParamDotGrad, double ParamDotMomentum, double MomentumDotDirection);

/// <summary>The step a rule chose, and how many extra loss evaluations it cost to choose it.</summary>
public readonly record struct StepChoice(double StepSize, int Evaluations = 0);
