using MudBlazor;

namespace PolyakDashboard.Components.Layout;

/// <summary>One page of the dashboard, as the drawer and the Home cards show it.</summary>
/// <param name="Href">Route, e.g. "/1a".</param>
/// <param name="Title">Short name for the drawer.</param>
/// <param name="Summary">One or two sentences for the Home card.</param>
/// <param name="Icon">Material icon (SVG path string).</param>
public sealed record DashboardPage(string Href, string Title, string Summary, string Icon);

/// <summary>The pages in drawer order; Home's cards are the experiments among them.</summary>
public static class DashboardPages
{
    public static readonly DashboardPage Home =
        new("/", "Home", "", Icons.Material.Filled.Home);

    public static readonly IReadOnlyList<DashboardPage> Experiments =
    [
        new("/1a", "1a · Quadratic",
            "Fit y = 2x² + 1 with Polyak SGD. The interpolation case: f* = 0 is exact, so the Polyak step knows how far to go.",
            Icons.Material.Filled.ShowChart),
        new("/1b", "1b · Noisy linear",
            "Polyak against constant-step SGD on y = 3x + 1 + noise. With noise, f* = 0 is wrong and the Polyak step blows up near the optimum.",
            Icons.Material.Filled.Grain),
        new("/1c", "1c · Two wells",
            "A sharp local well and a wide global one. Which well does each optimizer find, and how does the batch size change that?",
            Icons.Material.Filled.Terrain),
        new("/1d", "1d · Child-speech GPT",
            "A small character-level transformer trained with SGD, Adam and Polyak steps; train and validation loss side by side.",
            Icons.Material.Filled.RecordVoiceOver),
        new("/1e", "1e · Polyak–Adam",
            "Adam's direction with a Polyak step length, and why the ‖g‖² denominator makes it erratic.",
            Icons.Material.Filled.Merge),
    ];

    public static readonly IReadOnlyList<DashboardPage> Tools =
    [
        new("/explorer", "Two-well explorer",
            "Click anywhere on the two-well landscape to start a run from there.", Icons.Material.Filled.TravelExplore),
        new("/playground", "Child-speech playground",
            "Sample text from trained character models and bring your own corpus.", Icons.Material.Filled.ChildCare),
        new("/constraints", "Line search & constraints",
            "Backtracking line search, a change of variables and a penalty method, each as an interactive demonstration.",
            Icons.Material.Filled.Policy),
        new("/runs", "Runs",
            "Every training run, its status, and comparisons across runs.", Icons.Material.Filled.History),
    ];

    /// <summary>The page with this route; throws for an unknown one (a typo in a page file).</summary>
    public static DashboardPage Find(string href) =>
        Experiments.Concat(Tools).SingleOrDefault(p => p.Href == href)
        ?? throw new ArgumentException($"No dashboard page at '{href}'.", nameof(href));
}
