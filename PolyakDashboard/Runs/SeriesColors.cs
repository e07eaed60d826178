using PolyakCore.Optimization;

namespace PolyakDashboard.Runs;

/// <summary>One colour per optimizer everywhere (pages, live charts and the CLI's SVG figures), and a categorical
/// palette for many paths.</summary>
public static class SeriesColors
{
    private static readonly Dictionary<string, string> ByOptimizer = new()
    {
        [OptimizerCatalog.Sgd] = "#1f77b4", [OptimizerCatalog.PolyakSgd] = "#d62728", [OptimizerCatalog.SpsMax] = "#2ca02c",
        [OptimizerCatalog.Adam] = "#9467bd", [OptimizerCatalog.PolyakAdam] = "#ff7f0e", [OptimizerCatalog.PolyakAdamCorrected] = "#e377c2",
        [OptimizerCatalog.ArmijoSgd] = "#7f7f7f",
        // The fixes for f*: mid-luminance hues, each ≥ 3:1 against the light (#ffffff, #f6f7fb) and the dark (#32333d,
        // #373740) backgrounds, apart from the hues above and the wells'.
        [OptimizerCatalog.DecSps] = "#009688", [OptimizerCatalog.AdaSps] = "#b8860b", [OptimizerCatalog.SgdMomentum] = "#7e7eff",
        [OptimizerCatalog.Momo] = "#c158dc", [OptimizerCatalog.MomoStar] = "#6b8e23", [OptimizerCatalog.MomoAdam] = "#e85d75",
    };

    private static readonly string[] Category = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    /// <summary>The escape map's cells: where a start ends up. Hues no optimizer uses (a path drawn over the map stays
    /// legible), each distinct from the others and from the contour's Viridis ramp at a glance.</summary>
    public const string LocalWell = "#8c564b", GlobalWell = "#17becf", Elsewhere = "#bcbd22", Diverged = "#1a1a1a";

    /// <summary>Every well colour, for checks that no optimizer shares one.</summary>
    public static IReadOnlyList<string> WellColors { get; } = [LocalWell, GlobalWell, Elsewhere, Diverged];

    /// <summary>Every optimizer's colour.</summary>
    public static IReadOnlyCollection<string> OptimizerColors => ByOptimizer.Values;

    public static string Optimizer(string name) => ByOptimizer.GetValueOrDefault(name, "#333333");

    public static string Index(int i) => Category[i % Category.Length];

    /// <summary>The colour of <paramref name="optimizers"/>[<paramref name="i"/>] in a group of runs: always its
    /// optimizer's hue; when the group holds an optimizer more than once, its first run has the colour itself and the
    /// later ones darker and lighter shades of it (pages, Runs compare, replay and SVG figures all colour by this).</summary>
    public static string InGroup(IReadOnlyList<string> optimizers, int i)
    {
        int repeat = optimizers.Take(i).Count(o => o == optimizers[i]);
        return Shade(Optimizer(optimizers[i]), repeat);
    }

    /// <summary>The <paramref name="k"/>-th shade of a colour: 0 is the colour, then alternately darker and lighter.</summary>
    public static string Shade(string hex, int k)
    {
        if (k == 0 || hex.Length != 7 || hex[0] != '#') return hex;
        double amount = Math.Min(0.7, 0.3 * ((k + 1) / 2));
        int target = k % 2 == 1 ? 0 : 255;
        int Channel(int c)
        {
            int v = Convert.ToInt32(hex.Substring(1 + 2 * c, 2), 16);
            return (int)Math.Round(v + (target - v) * amount);
        }
        return $"#{Channel(0):x2}{Channel(1):x2}{Channel(2):x2}";
    }

    /// <summary>The colour a fraction <paramref name="t"/> (0–1) of the way from <paramref name="from"/> to <paramref name="to"/> ("#rrggbb").</summary>
    public static string Blend(string from, string to, double t)
    {
        t = Math.Clamp(t, 0, 1);
        int Channel(string hex, int at) => Convert.ToInt32(hex.Substring(1 + 2 * at, 2), 16);
        var mixed = Enumerable.Range(0, 3).Select(c => (int)Math.Round(Channel(from, c) + t * (Channel(to, c) - Channel(from, c))));
        return "#" + string.Concat(mixed.Select(v => v.ToString("x2")));
    }
}
