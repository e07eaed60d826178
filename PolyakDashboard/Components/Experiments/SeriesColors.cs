namespace PolyakDashboard.Components.Experiments;

/// <summary>One colour per optimizer everywhere, and a categorical palette for many paths.</summary>
public static class SeriesColors
{
    private static readonly Dictionary<string, string> ByOptimizer = new()
    {
        ["sgd"] = "#1f77b4", ["polyak-sgd"] = "#d62728", ["sps-max"] = "#2ca02c", ["adam"] = "#9467bd",
        ["polyak-adam"] = "#ff7f0e", ["polyak-adam-corrected"] = "#e377c2", ["armijo-sgd"] = "#7f7f7f",
    };

    private static readonly string[] Category = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    public static string Optimizer(string name) => ByOptimizer.GetValueOrDefault(name, "#333333");

    public static string Index(int i) => Category[i % Category.Length];

    /// <summary>The colour of <paramref name="optimizers"/>[<paramref name="i"/>] in a group of runs: its optimizer's,
    /// unless the group holds an optimizer twice (then by position).</summary>
    public static string InGroup(IReadOnlyList<string> optimizers, int i) =>
        optimizers.Distinct().Count() == optimizers.Count ? Optimizer(optimizers[i]) : Index(i);
}
