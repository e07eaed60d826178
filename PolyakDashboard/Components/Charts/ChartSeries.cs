namespace PolyakDashboard.Components.Charts;

/// <summary>One line of a <see cref="LiveChart"/>: its raw points, in x order.</summary>
/// <param name="Id">Stable key, used by <see cref="LiveChart.AppendAsync"/> and hub bindings.</param>
/// <param name="Name">Legend text.</param>
/// <param name="X">x values (e.g. step or epoch).</param>
/// <param name="Y">y values, same length as <paramref name="X"/>; NaN/∞ (and y ≤ 0 on a log chart) are not drawn.</param>
/// <param name="Color">CSS colour; null picks the next one from the chart's palette.</param>
/// <param name="Dashed">Draw the line dashed (e.g. a validation loss next to the training loss). Default: false.</param>
public sealed record ChartSeries(string Id, string Name, double[] X, double[] Y, string? Color = null, bool Dashed = false);
