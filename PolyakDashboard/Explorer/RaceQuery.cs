using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;
using PolyakCore.Explorer;
using PolyakCore.Optimization;

namespace PolyakDashboard.Explorer;

/// <summary>The explorer's whole state in a URL query, so a lecturer can bookmark a view and a student open it.</summary>
/// <remarks>Only values that differ from the defaults are written, so links stay short; unreadable values
/// fall back to the default and are reported, never thrown.</remarks>
public static class RaceQuery
{
    private static readonly RaceSettings Defaults = new();

    public static string ToQuery(RaceSettings s) => QueryString.Create(Pairs(s)).ToString();

    /// <summary>The race settings and the escape map beside them: the explorer page's whole URL query.</summary>
    public static string ToQuery(RaceSettings s, EscapeMapView map) => QueryString.Create(Pairs(s).Concat(EscapeMapQuery.Pairs(map))).ToString();

    private static List<KeyValuePair<string, string?>> Pairs(RaceSettings s)
    {
        var q = new List<KeyValuePair<string, string?>>();
        void Add(string key, double value, double fallback) { if (value != fallback) q.Add(new(key, value.ToString("R", CultureInfo.InvariantCulture))); }
        void AddInt(string key, int value, int fallback) { if (value != fallback) q.Add(new(key, value.ToString(CultureInfo.InvariantCulture))); }
        Add("x", s.StartX, Defaults.StartX);
        Add("y", s.StartY, Defaults.StartY);
        if (!s.Optimizers.SequenceEqual(Defaults.Optimizers)) q.Add(new("opt", string.Join(",", s.Optimizers)));
        AddInt("batch", s.BatchSize, Defaults.BatchSize);
        AddInt("epochs", s.Epochs, Defaults.Epochs);
        Add("lr", s.Lr, Defaults.Lr);
        Add("adamLr", s.AdamLr, Defaults.AdamLr);
        Add("fStar", s.FStar, Defaults.FStar);
        if (s.MaxStep is { } cap) Add("cap", cap, double.NaN);
        Add("c", s.C, Defaults.C);
        Add("a", s.A, Defaults.A);
        Add("b", s.B, Defaults.B);
        Add("wc", s.WellC, Defaults.WellC);
        AddInt("n", s.Points, Defaults.Points);
        AddInt("dataSeed", s.DataSeed, Defaults.DataSeed);
        AddInt("seed", s.Seed, Defaults.Seed);
        AddInt("seeds", s.Seeds, Defaults.Seeds);
        return q;
    }

    /// <summary>Reads a query (with or without the leading '?'); bad entries keep their default and are listed.</summary>
    public static (RaceSettings Settings, IReadOnlyList<string> Problems) FromQuery(string query)
    {
        var values = QueryHelpers.ParseQuery(query);
        var problems = new List<string>();
        double Get(string key, double fallback)
        {
            if (!values.TryGetValue(key, out var v)) return fallback;
            if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)) return d;
            problems.Add($"'{key}={v}' is not a number; using {fallback}.");
            return fallback;
        }
        int GetInt(string key, int fallback)
        {
            if (!values.TryGetValue(key, out var v)) return fallback;
            if (int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)) return i;
            problems.Add($"'{key}={v}' is not a whole number; using {fallback}.");
            return fallback;
        }
        var optimizers = Defaults.Optimizers;
        if (values.TryGetValue("opt", out var list))
        {
            var names = list.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var unknown = names.Where(n => !OptimizerCatalog.IsKnown(n)).ToArray();
            if (unknown.Length > 0) problems.Add($"Unknown optimizer(s): {string.Join(", ", unknown)}.");
            optimizers = [.. names.Where(OptimizerCatalog.IsKnown).Distinct()];
        }
        var settings = new RaceSettings
        {
            StartX = Get("x", Defaults.StartX),
            StartY = Get("y", Defaults.StartY),
            Optimizers = optimizers,
            BatchSize = GetInt("batch", Defaults.BatchSize),
            Epochs = GetInt("epochs", Defaults.Epochs),
            Lr = Get("lr", Defaults.Lr),
            AdamLr = Get("adamLr", Defaults.AdamLr),
            FStar = Get("fStar", Defaults.FStar),
            MaxStep = values.ContainsKey("cap") ? Get("cap", double.NaN) : null,
            C = Get("c", Defaults.C),
            A = Get("a", Defaults.A),
            B = Get("b", Defaults.B),
            WellC = Get("wc", Defaults.WellC),
            Points = GetInt("n", Defaults.Points),
            DataSeed = GetInt("dataSeed", Defaults.DataSeed),
            Seed = GetInt("seed", Defaults.Seed),
            Seeds = GetInt("seeds", Defaults.Seeds),
        };
        if (settings.MaxStep is double.NaN) settings = settings with { MaxStep = null };
        return (settings, problems);
    }

    /// <summary>Named starting points for lectures: the report's cases and the stability edge.</summary>
    public static IReadOnlyList<(string Name, RaceSettings Settings)> Presets { get; } =
    [
        ("Report: start (3, 3), batch 2", new RaceSettings()),
        ("Report: start (3, 3), batch 25 (full batch)", new RaceSettings { BatchSize = 25 }),
        ("Full batch below the stability edge (lr 0.04)", new RaceSettings { BatchSize = 25, Lr = 0.04, Optimizers = [OptimizerCatalog.Sgd, OptimizerCatalog.PolyakSgd] }),
        ("Start in the wide well's basin (−4, −6)", new RaceSettings { StartX = -4, StartY = -6 }),
        ("Report: start (3, 3), batch 2, over 20 mini-batch orders", new RaceSettings { Seeds = 20, Optimizers = [OptimizerCatalog.Sgd, OptimizerCatalog.PolyakSgd] }),
        ("Polyak–Adam, report vs corrected", new RaceSettings { Optimizers = [OptimizerCatalog.Adam, OptimizerCatalog.PolyakAdam, OptimizerCatalog.PolyakAdamCorrected] }),
        // The sharp well's floor is above 0, so f* = 0 is wrong there as noise makes it wrong in 1b: the published answers race.
        ("Fixes for f*", new RaceSettings { Optimizers = [OptimizerCatalog.PolyakSgd, OptimizerCatalog.SpsMax, OptimizerCatalog.DecSps, OptimizerCatalog.AdaSps,
            OptimizerCatalog.Momo, OptimizerCatalog.MomoStar, OptimizerCatalog.Sgd, OptimizerCatalog.Adam] }),
    ];
}
