using System.Globalization;

namespace PolyakDashboard.Components.ChildSpeech;

/// <summary>Train and validation curves of one optimizer share its hue; validation is the paler one.</summary>
public static class LossColors
{
    public static string Paler(string hex, double towardsWhite = 0.5)
    {
        if (hex.Length != 7 || hex[0] != '#') return hex;
        int Channel(int i)
        {
            int v = int.Parse(hex.AsSpan(1 + 2 * i, 2), NumberStyles.HexNumber);
            return (int)Math.Round(v + (255 - v) * towardsWhite);
        }
        return $"#{Channel(0):x2}{Channel(1):x2}{Channel(2):x2}";
    }
}
