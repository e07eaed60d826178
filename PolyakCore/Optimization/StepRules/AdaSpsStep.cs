namespace PolyakCore.Optimization.StepRules;

/// <summary>Settings of AdaSPS.</summary>
/// <param name="LowerBound">ℓ*, a lower bound of every mini-batch loss (0 for squared errors).</param>
/// <param name="Scale">c_p &gt; 0; null: 1/√[f(θ₀) − ℓ*]₊ from the first loss, so the first step is the plain Polyak
/// step (f − ℓ*)/‖g‖² (1 where that gap is 0).</param>
public sealed record AdaSpsSettings(double LowerBound = 0.0, double? Scale = null);

/// <summary>AdaSPS: η_t = min{ [f(θ_t) − ℓ*]₊ / (c_p·‖g_t‖²·√(Σ_{s≤t} [f(θ_s) − ℓ*]₊)), η_{t−1} }, η₋₁ = +∞.</summary>
/// <remarks>Jiang and Stich, "Adaptive SGD with Polyak Stepsize and Line-search: Robust Convergence and Variance
/// Reduction", NeurIPS 2023, arXiv:2308.06058, eq. (AdaSPS): the Polyak step normalised by the root of the accumulated
/// loss gaps (AdaGrad-norm-like) and never increasing; it needs only a lower bound ℓ*, and converges without
/// interpolation. Edge cases: a zero gradient with a positive gap makes the first term +∞, so η_t = η_{t−1} (reported
/// as 0 while that is still +∞: nothing moves along a zero gradient); a loss at or below ℓ* adds nothing to the sum and
/// gives η_t = 0 — and 0 for good, since η never increases: ℓ* must really be a lower bound. Before any positive gap
/// the sum is 0 and the step 0.</remarks>
public sealed class AdaSpsStep : IStepRule
{
    private double _sum, _previous = double.PositiveInfinity;
    private double? _scale;

    public AdaSpsStep(AdaSpsSettings? settings = null)
    {
        Settings = settings ?? new AdaSpsSettings();
        var s = Settings;
        if (!double.IsFinite(s.LowerBound)) throw new ArgumentOutOfRangeException(nameof(settings), s.LowerBound, $"Invalid lower bound: {s.LowerBound}");
        if (s.Scale is { } c && (!(c > 0) || double.IsInfinity(c))) throw new ArgumentOutOfRangeException(nameof(settings), c, $"Invalid scale c_p: {c}");
        _scale = s.Scale;
    }

    public AdaSpsSettings Settings { get; }

    /// <summary>c_p in use (after the first step when it is taken from the first loss).</summary>
    public double? Scale => _scale;

    public StepChoice Next(in StepContext context)
    {
        double gap = context.Loss - Settings.LowerBound;
        if (!(gap > 0)) gap = 0;
        _scale ??= gap > 0 ? 1 / Math.Sqrt(gap) : 1.0;
        _sum += gap;
        double term = gap == 0 ? 0.0
            : context.GradNormSq > 0 ? gap / (_scale.Value * context.GradNormSq * Math.Sqrt(_sum))
            : double.PositiveInfinity;
        _previous = Math.Min(term, _previous);
        return new StepChoice(double.IsFinite(_previous) ? _previous : 0.0);
    }

    public IStepRule Clone() => new AdaSpsStep(Settings);
}
