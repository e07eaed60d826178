using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;
using PolyakCore.Explorer;
using PolyakCore.Optimization;

namespace PolyakDashboard.Explorer;

/// <summary>The explorer's escape map as the page shows it: its optimizer, grid and mini-batch orders per start, and
/// whether a computed map is on the landscape. Part of the shareable URL, so a link restores the map.</summary>
public sealed record EscapeMapView
{
    /// <summary>Grid sizes offered (cells a side).</summary>
    public static readonly IReadOnlyList<int> Sizes = [20, 40, 60];

    /// <summary>Mini-batch orders per start offered.</summary>
    public static readonly IReadOnlyList<int> OrderChoices = [1, 5, 10];

    /// <summary>Optimizers a map can be drawn for (the line search is not part of the explorer).</summary>
    public static IEnumerable<string> Optimizers => OptimizerCatalog.Names.Where(n => n != OptimizerCatalog.ArmijoSgd);

    public string Optimizer { get; init; } = OptimizerCatalog.Sgd;
    public int Size { get; init; } = 40;
    public int Orders { get; init; } = 1;
    /// <summary>A map of these settings (and the race settings beside it) is drawn.</summary>
    public bool Shown { get; init; }

    /// <summary>The same map over other race settings? Only what a map depends on counts: not the start, nor which
    /// optimizers race, nor how many orders the race runs.</summary>
    public static RaceSettings MapPart(RaceSettings s) =>
        s with { StartX = 0, StartY = 0, Optimizers = [], Seeds = 1 };
}

/// <summary>The escape map's part of the explorer's URL: map=1 while one is shown, mapOpt, grid and orders where they
/// differ from the defaults. Unreadable values keep their default and are reported, never thrown.</summary>
public static class EscapeMapQuery
{
    private static readonly EscapeMapView Defaults = new();

    public static IEnumerable<KeyValuePair<string, string?>> Pairs(EscapeMapView v)
    {
        if (v.Shown) yield return new("map", "1");
        if (v.Optimizer != Defaults.Optimizer) yield return new("mapOpt", v.Optimizer);
        if (v.Size != Defaults.Size) yield return new("grid", v.Size.ToString(CultureInfo.InvariantCulture));
        if (v.Orders != Defaults.Orders) yield return new("orders", v.Orders.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Reads a query (with or without the leading '?'); entries other than the map's are ignored.</summary>
    public static (EscapeMapView Map, IReadOnlyList<string> Problems) FromQuery(string query)
    {
        var values = QueryHelpers.ParseQuery(query);
        var problems = new List<string>();
        int Choice(string key, IReadOnlyList<int> choices, int fallback)
        {
            if (!values.TryGetValue(key, out var v)) return fallback;
            if (int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) && choices.Contains(i)) return i;
            problems.Add($"'{key}={v}' is not one of {string.Join(", ", choices)}; using {fallback}.");
            return fallback;
        }
        string optimizer = Defaults.Optimizer;
        if (values.TryGetValue("mapOpt", out var name))
        {
            if (EscapeMapView.Optimizers.Contains(name.ToString())) optimizer = name.ToString();
            else problems.Add($"'mapOpt={name}' is not an optimizer the map can use; using {optimizer}.");
        }
        bool shown = false;
        if (values.TryGetValue("map", out var map))
        {
            if (map == "1") shown = true;
            else if (map != "0") problems.Add($"'map={map}' is neither 1 (shown) nor 0; the map is not computed.");
        }
        return (new EscapeMapView
        {
            Optimizer = optimizer, Size = Choice("grid", EscapeMapView.Sizes, Defaults.Size),
            Orders = Choice("orders", EscapeMapView.OrderChoices, Defaults.Orders), Shown = shown,
        }, problems);
    }
}
