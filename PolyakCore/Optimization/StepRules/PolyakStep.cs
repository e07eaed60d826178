namespace PolyakCore.Optimization.StepRules;

/// <summary>Settings of the stochastic Polyak step; the defaults are the report's plain rule.</summary>
/// <param name="FStar">f*, the optimal value assumed for every mini-batch (0 for interpolating models).</param>
/// <param name="Eps">ε added to the denominator.</param>
/// <param name="C">Scale c of the denominator, as in SPS: (f − f*)/(c·‖g‖²); SPS_max uses 0.5 (0.2 for deep nets).</param>
/// <param name="MaxStep">Cap α_max (SPS_max, ALI-G); null or +∞ for none.</param>
/// <param name="Plus">Clamp the gap at zero: max(f − f*, 0) ("SPS+").</param>
/// <param name="Smoothing">Limit growth: α_max,k = min(α_max, 2^(1/b)·α_{k−1}), b batches per epoch (SPS repo).</param>
/// <param name="Corrected">Use ⟨g, d⟩ instead of ‖g‖² in the denominator: the Polyak derivation for a direction d ≠ g.</param>
public sealed record PolyakSettings(
    double FStar = 0.0,
    double Eps = 1e-8,
    double C = 1.0,
    double? MaxStep = null,
    bool Plus = false,
    bool Smoothing = false,
    bool Corrected = false);

/// <summary>Stochastic Polyak step size (SPS), with the published refinements as options.</summary>
/// <remarks>α = min((f(θ) − f*) / (c·D + ε), α_max), D = ‖g‖² (or ⟨g, d⟩ when corrected).
/// Loizou, Vaswani, Laradji, Lacoste-Julien, "Stochastic Polyak Step-size for SGD: An Adaptive Learning
/// Rate for Fast Convergence", AISTATS 2021, arXiv:2002.10542. Returns 0 when the denominator is not
/// positive (a vanishing gradient, or a direction that does not descend), as optax does.
/// A poor f* can diverge; for interpolating models use 0.</remarks>
public sealed class PolyakStep : IStepRule
{
    private double _previous;

    public PolyakStep(PolyakSettings? settings = null)
    {
        Settings = settings ?? new PolyakSettings();
        var s = Settings;
        if (!double.IsFinite(s.FStar)) throw new ArgumentOutOfRangeException(nameof(settings), s.FStar, $"Invalid f*: {s.FStar}");
        if (!(s.Eps >= 0) || double.IsInfinity(s.Eps)) throw new ArgumentOutOfRangeException(nameof(settings), s.Eps, $"Invalid eps: {s.Eps}");
        if (!(s.C > 0) || double.IsInfinity(s.C)) throw new ArgumentOutOfRangeException(nameof(settings), s.C, $"Invalid c: {s.C}");
        if (s.MaxStep is { } m && !(m > 0)) throw new ArgumentOutOfRangeException(nameof(settings), m, $"Invalid max step: {m}");
        _previous = s.MaxStep is { } cap && double.IsFinite(cap) ? cap : 1.0;
    }

    public PolyakSettings Settings { get; }

    public bool NeedsGradDotDirection => Settings.Corrected;

    public StepChoice Next(in StepContext context)
    {
        var s = Settings;
        double gap = context.Loss - s.FStar;
        if (s.Plus) gap = Math.Max(gap, 0.0);
        double denominator = s.C * (s.Corrected ? context.GradDotDirection : context.GradNormSq) + s.Eps;
        double step = denominator > 0 && double.IsFinite(denominator) ? gap / denominator : 0.0;

        double cap = s.MaxStep ?? double.PositiveInfinity;
        if (s.Smoothing)
            cap = Math.Min(cap, Math.Pow(2.0, 1.0 / Math.Max(1, context.BatchesPerEpoch)) * _previous);
        step = Math.Min(step, cap);
        _previous = step;
        return new StepChoice(step);
    }

    public IStepRule Clone() => new PolyakStep(Settings);
}
