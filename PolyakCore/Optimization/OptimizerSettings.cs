using PolyakCore.Shared;
namespace PolyakCore.Optimization;

/// <summary>Optimizer settings; null means the named optimizer's default.</summary>
[DefaultWhenNull]
public sealed record OptimizerSettings
{
    /// <summary>Constant learning rate (sgd and sgd-momentum 0.1, adam 0.01), Armijo's initial step (1) or MoMo's cap
    /// (momo 1, momo-adam 0.01).</summary>
    public double? Lr { get; init; }
    /// <summary>Polyak's f* (0), or the lower bound ℓ* of DecSPS, AdaSPS and MoMo (0).</summary>
    public double? FStar { get; init; }
    /// <summary>ε of the Polyak denominator (1e-8).</summary>
    public double? Eps { get; init; }
    /// <summary>Polyak denominator scale c (1; sps-max 0.5), Armijo's sufficient-decrease constant (1e-4), DecSPS's c₀ (1)
    /// or AdaSPS's c_p (default: 1/√ of the first loss gap).</summary>
    public double? C { get; init; }
    /// <summary>Polyak step cap (none; sps-max 1; polyak-adam-corrected 0.1), "Infinity" removing a default cap; DecSPS's
    /// initial bound γ_b (1).</summary>
    public double? MaxStep { get; init; }
    public bool? Plus { get; init; }
    public bool? Smoothing { get; init; }
    public bool? Corrected { get; init; }
    /// <summary>Adam's β₁ (0.9), or the heavy-ball momentum β of sgd-momentum and momo (0.9).</summary>
    public double? Beta1 { get; init; }
    public double? Beta2 { get; init; }
    /// <summary>ε of Adam's denominator (1e-8).</summary>
    public double? AdamEps { get; init; }
    /// <summary>Armijo shrink factor β (0.5).</summary>
    public double? Shrink { get; init; }
    public int? MaxBacktracks { get; init; }
    /// <summary>MoMo: estimate the lower bound on the fly (MoMo*; on for momo-star, off for momo and momo-adam).</summary>
    public bool? EstimateBound { get; init; }
}
