using PolyakCore.Shared;
namespace PolyakCore.Optimization;

/// <summary>Optimizer settings; null means the named optimizer's default.</summary>
[DefaultWhenNull]
public sealed record OptimizerSettings
{
    /// <summary>Constant learning rate (sgd 0.1, adam 0.01) or Armijo's initial step (1).</summary>
    public double? Lr { get; init; }
    public double? FStar { get; init; }
    /// <summary>ε of the Polyak denominator (1e-8).</summary>
    public double? Eps { get; init; }
    /// <summary>Polyak denominator scale c (1; sps-max 0.5) or Armijo's sufficient-decrease constant (1e-4).</summary>
    public double? C { get; init; }
    /// <summary>Polyak step cap (none; sps-max 1; polyak-adam-corrected 0.1); "Infinity" removes a default cap.</summary>
    public double? MaxStep { get; init; }
    public bool? Plus { get; init; }
    public bool? Smoothing { get; init; }
    public bool? Corrected { get; init; }
    public double? Beta1 { get; init; }
    public double? Beta2 { get; init; }
    /// <summary>ε of Adam's denominator (1e-8).</summary>
    public double? AdamEps { get; init; }
    /// <summary>Armijo shrink factor β (0.5).</summary>
    public double? Shrink { get; init; }
    public int? MaxBacktracks { get; init; }
}
