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
            Secondary = "#00796b",       // white chip text 5.3:1 (#00897b was 4.3:1)
            TextSecondary = "rgba(0,0,0,0.6)",   // captions and helper text 5.6:1 on the background (MudBlazor's 0.54 was 4.48:1)
            AppbarBackground = "#3f51b5",
            Background = "#f6f7fb",
            Info = "#0b6bcb",            // outlined alerts' text: 5.4:1 on white (MudBlazor's #2196f3 is 3.1:1)
            // Status chips (white text) and error text under fields: each >= 4.5:1 (MudBlazor's were 2.2, 3.7 and 2.1:1).
            Success = "#2e7d32",
            Error = "#c62828",
            Warning = "#a84e00",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#9aaaff",               // 4.9:1 as tab text on the raised tab bar (#8c9eff was 4.3:1)
            PrimaryContrastText = "#0d1238",   // filled buttons: dark text on the light indigo, 8:1 (white was 2.5:1)
            Secondary = "#4db6ac",
            SecondaryContrastText = "#0d1238",
            Info = "#7cc4ff",                  // outlined alerts' text on the dark surface, ≥ 4.5:1
            // Status chips take dark text (white on MudBlazor's green was 2.5:1); error text 5.2:1 on the surface (was 3.5:1).
            Error = "#ff8a80",
            // Text alerts colour their text with the "darken" shade, darker still on a dark tint (warning 4.2:1, error
            // 3.8:1): lighter shades here, >= 5.5:1.
            ErrorDarken = "#ffa198",
            WarningDarken = "#ffb74d",
            SuccessContrastText = "#0d1238",
            ErrorContrastText = "#0d1238",
            WarningContrastText = "#0d1238",
            InfoContrastText = "#0d1238",
            AppbarBackground = "#1e1e2d",
            TextSecondary = "rgba(255,255,255,0.6)",   // helper text and labels 5.4:1 on the surface (MudBlazor's 0.5 was 4.25:1)
            // Striped rows kept table text at 4.07:1 (MudBlazor's 0.2 white stripe); stripe and hover together stay >= 4.5:1.
            TableStriped = "rgba(255,255,255,0.05)",
            TableHover = "rgba(255,255,255,0.08)",
        },
        Typography = new Typography { Default = new DefaultTypography { FontFamily = SystemFont } },
    };
}
