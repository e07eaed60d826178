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
    };

    private static readonly string[] Category = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    public static string Optimizer(string name) => ByOptimizer.GetValueOrDefault(name, "#333333");

    public static string Index(int i) => Category[i % Category.Length];

    /// <summary>The colour of <paramref name="optimizers"/>[<paramref name="i"/>] in a group of runs: its optimizer's,
    /// unless the group holds an optimizer twice (then by position).</summary>
    public static string InGroup(IReadOnlyList<string> optimizers, int i) =>
        optimizers.Distinct().Count() == optimizers.Count ? Optimizer(optimizers[i]) : Index(i);
}
