namespace PolyakDashboard.Components.Charts;

/// <summary>A path drawn over a <see cref="Landscape"/>: a polyline from a circle (start) to a square (end).</summary>
/// <param name="Name">Legend text.</param>
/// <param name="Color">CSS colour.</param>
/// <param name="X">x coordinates in data units; NaN/∞ points are skipped.</param>
/// <param name="Y">y coordinates, same length as <paramref name="X"/>.</param>
/// <param name="EndLabel">Short text beside the end marker, e.g. "global · 0.16"; shown once the path is drawn
/// to its end. Default: none.</param>
/// <param name="Thin">Drawn thin and faint under the others, whole, without markers, label or legend entry (another
/// seed of a run that is drawn in full). Default: false.</param>
public sealed record Trajectory(string Name, string Color, double[] X, double[] Y, string? EndLabel = null, bool Thin = false);

/// <summary>A labelled point on a <see cref="Landscape"/>, e.g. a minimum.</summary>
/// <param name="Label">Text beside the mark; empty for none.</param>
/// <param name="X">x in data units.</param>
/// <param name="Y">y in data units.</param>
/// <param name="Color">CSS colour of the cross. Default: white.</param>
public sealed record LandscapeMarker(string Label, double X, double Y, string? Color = null);

/// <summary>Arrow keys pressed on a focused <see cref="Landscape"/>: whole steps right (<paramref name="Dx"/>) and up
/// (<paramref name="Dy"/>), negative for left and down; Shift counts <see cref="LargeStep"/> steps a press. Presses made
/// while the previous ones were still being handled arrive summed.</summary>
public readonly record struct LandscapeNudge(int Dx, int Dy)
{
    /// <summary>Steps of one Shift+arrow press.</summary>
    public const int LargeStep = 5;
}
