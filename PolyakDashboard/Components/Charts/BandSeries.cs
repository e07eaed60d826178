namespace PolyakDashboard.Components.Charts;

/// <summary>A median curve and, where given, its 10–90 % band, for <see cref="BandChart"/>.</summary>
public sealed record BandSeries(string Name, string Color, double[] X, double[] Median, double[]? Lower = null, double[]? Upper = null);
