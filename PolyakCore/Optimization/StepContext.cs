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
    Func<double, double>? TrialLoss = null);

/// <summary>The step a rule chose, and how many extra loss evaluations it cost to choose it.</summary>
public readonly record struct StepChoice(double StepSize, int Evaluations = 0);
