using PolyakCore.Shared;
using PolyakCore.Text;

namespace PolyakCore.Problems;

/// <summary>Problem settings; null means the problem's default (see EXPERIMENTS.md).</summary>
[DefaultWhenNull]
public sealed record ProblemOptions
{
    /// <summary>Number of data points (1000 for the regressions, 25 for the two-well).</summary>
    public int? Points { get; init; }
    /// <summary>Noise standard deviation σ (noisy-linear default 0, multi-linear 0.1).</summary>
    public double? Noise { get; init; }
    /// <summary>Seeds the data set, so runs with different shuffling seeds can share data.</summary>
    public int DataSeed { get; init; }
    /// <summary>Two-well constants a, b, c (default 20, 9, 10).</summary>
    public double? A { get; init; }
    public double? B { get; init; }
    public double? C { get; init; }
    /// <summary>Initial parameters (weights then bias); the two-well default is (3, 3).</summary>
    public double[]? Start { get; init; }
    /// <summary>The character model and its corpus (child-speech only).</summary>
    public TextOptions? Text { get; init; }
}
