namespace PolyakCore.Optimization.StepRules;

/// <summary>Settings of the MoMo step.</summary>
/// <param name="LearningRate">α, the cap of the step (MoMo 1, MoMo-Adam 10⁻²).</param>
/// <param name="Beta">β of the averages; must be the direction's (heavy-ball β, Adam's β₁).</param>
/// <param name="LowerBound">f_*, a lower bound of the loss the model is truncated at (0 for squared errors).</param>
/// <param name="BiasCorrection">Zero-started averages divided by 1 − βᵏ (MoMo-Adam); otherwise they start at the first
/// values (MoMo).</param>
/// <param name="EstimateBound">MoMo*: estimate the bound on the fly, starting from (and never below) LowerBound.</param>
public sealed record MomoSettings(double LearningRate = 1.0, double Beta = 0.9, double LowerBound = 0.0,
    bool BiasCorrection = false, bool EstimateBound = false);

/// <summary>MoMo's model-based step on a momentum direction:
/// α_k = min{ lr, [f̄_k − f_* + ⟨θ_k, m_k⟩ − γ_k]₊ / ⟨m_k, d_k⟩ }, θ_{k+1} = θ_k − α_k·d_k,
/// with the averages f̄_k = β f̄_{k−1} + (1 − β) f(θ_k), γ_k = β γ_{k−1} + (1 − β)⟨g_k, θ_k⟩ and m_k the direction's
/// averaged gradient (d = m for heavy ball; m̂ and d = m̂/D for Adam).</summary>
/// <remarks>Schaipp, Ohana, Eickenberg, Defazio, Gower, "MoMo: Momentum Models for Adaptive Learning Rates", ICML 2024,
/// arXiv:2305.07583: Algorithm 1 (MoMo, averages started at the first values) and Algorithm 2 (MoMo-Adam, zero-started
/// averages with Adam's bias correction). With bias correction the rule divides f̄, γ (and m, in the direction) by
/// ρ_k = 1 − βᵏ: then α = min{lr, [f̂ − f_* + ⟨θ, m̂⟩ − γ̂]₊/⟨m̂, d⟩} moves exactly as the paper's
/// τ = min{lr/ρ, [f̄ − ρf_* + ⟨θ, m⟩ − γ]₊/‖m‖²_{D⁻¹}} along D⁻¹m (α = ρτ).
/// MoMo* (Section 4 there, the authors' use_fstar): h_k = f̂ + ⟨θ, m̂⟩ − γ̂ is the model's value at θ_k; before the
/// step, a bound above h_k is reset to max(h_k/2, f_*); after it, the bound becomes max(h_k − ½α_k⟨m̂, d⟩, f_*), the
/// model's value after the step. Edge cases: ⟨m, d⟩ ≤ 0 (a zero averaged gradient) gives α = 0 — nothing to move along;
/// a model value at or below the bound gives α = 0 (the truncation), where plain Polyak with a wrong f* would step
/// backwards or explode.</remarks>
public sealed class MomoStep : IStepRule
{
    private int _k;
    private double _lossAverage, _gradDotParamAverage, _bound;

    public MomoStep(MomoSettings? settings = null)
    {
        Settings = settings ?? new MomoSettings();
        var s = Settings;
        if (!(s.LearningRate > 0) || double.IsInfinity(s.LearningRate)) throw new ArgumentOutOfRangeException(nameof(settings), s.LearningRate, $"Invalid learning rate: {s.LearningRate}");
        if (!(s.Beta >= 0 && s.Beta < 1)) throw new ArgumentOutOfRangeException(nameof(settings), s.Beta, $"Invalid β: {s.Beta}");
        if (!double.IsFinite(s.LowerBound)) throw new ArgumentOutOfRangeException(nameof(settings), s.LowerBound, $"Invalid lower bound: {s.LowerBound}");
        _bound = s.LowerBound;
    }

    public MomoSettings Settings { get; }

    /// <summary>The bound in use: f_*, or MoMo*'s current estimate.</summary>
    public double Bound => _bound;

    public bool NeedsModelProducts => true;

    public StepChoice Next(in StepContext context)
    {
        var (s, model) = (Settings, context.Model);
        _k++;
        if (_k == 1 && !s.BiasCorrection) (_lossAverage, _gradDotParamAverage) = (context.Loss, model.ParamDotGrad);
        else
        {
            _lossAverage = s.Beta * _lossAverage + (1 - s.Beta) * context.Loss;
            _gradDotParamAverage = s.Beta * _gradDotParamAverage + (1 - s.Beta) * model.ParamDotGrad;
        }
        double rho = s.BiasCorrection ? 1 - Math.Pow(s.Beta, _k) : 1.0;
        double h = _lossAverage / rho + model.ParamDotMomentum - _gradDotParamAverage / rho;
        if (s.EstimateBound && h < _bound) _bound = Math.Max(h / 2, s.LowerBound);

        double denominator = model.MomentumDotDirection, gap = h - _bound;
        double step = denominator > 0 && double.IsFinite(denominator) && gap > 0 ? Math.Min(s.LearningRate, gap / denominator) : 0.0;
        if (s.EstimateBound && double.IsFinite(h)) _bound = Math.Max(h - 0.5 * step * denominator, s.LowerBound);
        return new StepChoice(step);
    }

    public IStepRule Clone() => new MomoStep(Settings);
}
