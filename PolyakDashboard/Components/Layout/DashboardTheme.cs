using MudBlazor;

namespace PolyakDashboard.Components.Layout;

/// <summary>The app's MudBlazor theme: indigo accents and the system font (no web fonts offline).</summary>
public static class DashboardTheme
{
    private static readonly string[] SystemFont =
        ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"];

    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3f51b5",
            Secondary = "#00897b",
            AppbarBackground = "#3f51b5",
            Background = "#f6f7fb",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#8c9eff",
            Secondary = "#4db6ac",
            AppbarBackground = "#1e1e2d",
        },
        Typography = new Typography { Default = new DefaultTypography { FontFamily = SystemFont } },
    };
}
