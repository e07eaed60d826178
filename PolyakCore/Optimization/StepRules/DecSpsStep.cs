namespace PolyakCore.Optimization.StepRules;

/// <summary>Settings of DecSPS.</summary>
/// <param name="LowerBound">ℓ*, a lower bound of every mini-batch loss (0 for squared errors), in place of f*.</param>
/// <param name="C0">c₀ &gt; 0: the scale c_k = c₀·√(k + 1) grows from it.</param>
/// <param name="InitialBound">γ_b &gt; 0: the bound γ₋₁ the first step is capped by (γ₀ ≤ γ_b).</param>
public sealed record DecSpsSettings(double LowerBound = 0.0, double C0 = 1.0, double InitialBound = 1.0);

/// <summary>Decreasing SPS: γ_k = (1/c_k)·min{ [f(θ_k) − ℓ*]₊ / ‖g_k‖², c_{k−1}·γ_{k−1} }, c_k = c₀√(k + 1),
/// c₋₁ = c₀, γ₋₁ = γ_b (k = 0, 1, …).</summary>
/// <remarks>Orvieto, Lacoste-Julien, Loizou, "Dynamics of SGD with Stochastic Polyak Stepsizes: Truly Adaptive Variants
/// and Convergence to Exact Solution", NeurIPS 2022, arXiv:2205.04583, eq. (DecSPS). A lower bound ℓ* replaces f*,
/// c_k·γ_k never increases, so γ_k ≤ c₀γ_b/c_k falls like 1/√k and SGD converges to the exact solution without
/// interpolation. Edge cases, as the formula gives them: a zero gradient with a positive gap makes the Polyak term +∞,
/// so γ_k = c_{k−1}γ_{k−1}/c_k; a loss at or below ℓ* gives a Polyak term of 0, so γ_k = 0 — and every later step is
/// 0 as well (the min never lets it grow): ℓ* must really be a lower bound.</remarks>
public sealed class DecSpsStep : IStepRule
{
    private int _k;
    private double _scaledPrevious;         // c_{k−1}·γ_{k−1}

    public DecSpsStep(DecSpsSettings? settings = null)
    {
        Settings = settings ?? new DecSpsSettings();
        var s = Settings;
        if (!double.IsFinite(s.LowerBound)) throw new ArgumentOutOfRangeException(nameof(settings), s.LowerBound, $"Invalid lower bound: {s.LowerBound}");
        if (!(s.C0 > 0) || double.IsInfinity(s.C0)) throw new ArgumentOutOfRangeException(nameof(settings), s.C0, $"Invalid c0: {s.C0}");
        if (!(s.InitialBound > 0) || double.IsInfinity(s.InitialBound)) throw new ArgumentOutOfRangeException(nameof(settings), s.InitialBound, $"Invalid initial bound γ_b: {s.InitialBound}");
        _scaledPrevious = s.C0 * s.InitialBound;
    }

    public DecSpsSettings Settings { get; }

    public StepChoice Next(in StepContext context)
    {
        double c = Settings.C0 * Math.Sqrt(_k + 1);
        _k++;
        double polyak = PolyakTerm(context.Loss - Settings.LowerBound, context.GradNormSq);
        double step = Math.Min(polyak, _scaledPrevious) / c;
        _scaledPrevious = c * step;
        return new StepChoice(step);
    }

    /// <summary>[gap]₊ / ‖g‖², with its limits: 0 for a gap ≤ 0 (NaN too), +∞ for a positive gap over a zero gradient.</summary>
    internal static double PolyakTerm(double gap, double gradNormSq) =>
        !(gap > 0) ? 0.0 : gradNormSq > 0 ? gap / gradNormSq : double.PositiveInfinity;

    public IStepRule Clone() => new DecSpsStep(Settings);
}
