namespace PolyakCore.Training;

/// <summary>When a run counts as diverged.</summary>
public static class Divergence
{
    /// <summary>Losses above this count as diverged even while still finite: float64 reaches ∞ only
    /// after hundreds of steps of growth, and nothing useful happens up there.</summary>
    public const double LossLimit = 1e30;

    public static bool IsDiverged(double loss) => !double.IsFinite(loss) || Math.Abs(loss) > LossLimit;

    public static bool AnyNonFinite(double[] values) => values.Any(v => !double.IsFinite(v));
}
