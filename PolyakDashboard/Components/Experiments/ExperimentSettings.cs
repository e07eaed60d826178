using PolyakCore.Experiments;
using PolyakCore.Training;
using PolyakCore.Optimization;

namespace PolyakDashboard.Components.Experiments;

/// <summary>The form behind an experiment page: every default of the grid, editable, as overrides.</summary>
public sealed class ExperimentSettings
{
    public int Epochs { get; set; }
    public int Seed { get; set; }
    public int DataSeed { get; set; }
    public Reduction Reduction { get; set; } = Reduction.Mean;
    public double Lr { get; set; }
    public double AdamLr { get; set; }
    public double FStar { get; set; }
    public double Eps { get; set; } = 1e-8;
    public double? MaxStep { get; set; }
    /// <summary>Remove every Polyak cap, including the defaults of sps-max and polyak-adam-corrected.</summary>
    public bool NoCap { get; set; }
    public double C { get; set; } = 1.0;
    public IReadOnlyCollection<double> Noises { get; set; } = [];
    public IReadOnlyCollection<int> BatchSizes { get; set; } = [];
    public IReadOnlyCollection<string> Optimizers { get; set; } = [];
    public double WellA { get; set; } = 20;
    public double WellB { get; set; } = 9;
    public double WellC { get; set; } = 10;
    public double StartX { get; set; } = 3;
    public double StartY { get; set; } = 3;

    /// <summary>The settings an experiment starts with (its catalogue defaults).</summary>
    public static ExperimentSettings For(string experimentId)
    {
        var runs = ExperimentCatalog.Get(experimentId).Runs;
        var first = runs[0];
        double Lr(string optimizer, double fallback) => runs.FirstOrDefault(r => r.Optimizer == optimizer)?.OptimizerOptions.Lr ?? fallback;
        return new ExperimentSettings
        {
            Epochs = first.Epochs,
            Lr = Lr(OptimizerCatalog.Sgd, 0.1),
            AdamLr = Lr(OptimizerCatalog.Adam, 0.01),
            Noises = [.. runs.Select(r => r.ProblemOptions.Noise).OfType<double>().Distinct()],
            BatchSizes = [.. runs.Select(r => r.BatchSize).Distinct()],
            Optimizers = [.. runs.Select(r => r.Optimizer).Distinct()],
        };
    }

    /// <summary>The settings a launch of <paramref name="experimentId"/> ran with (what a following viewer's form shows);
    /// a setting the launch's runs leave to the optimizer keeps the form's default.</summary>
    public static ExperimentSettings FromLaunch(string experimentId, IReadOnlyList<RunRequest> requests)
    {
        var settings = For(experimentId);
        if (requests.Count == 0) return settings;
        var first = requests[0];
        var polyak = requests.Where(r => OptimizerCatalog.UsesPolyak(r.Optimizer)).Select(r => r.OptimizerOptions).ToList();
        T? Common<T>(Func<OptimizerSettings, T?> of) where T : struct =>
            polyak.Select(of).Distinct().ToList() is [var only] ? only : null;
        var cap = Common(o => o.MaxStep);
        settings.Epochs = first.Epochs;
        settings.Seed = first.Seed;
        settings.DataSeed = first.ProblemOptions.DataSeed;
        settings.Reduction = first.Reduction;
        settings.Lr = requests.FirstOrDefault(r => r.Optimizer == OptimizerCatalog.Sgd)?.OptimizerOptions.Lr ?? settings.Lr;
        settings.AdamLr = requests.FirstOrDefault(r => r.Optimizer == OptimizerCatalog.Adam)?.OptimizerOptions.Lr ?? settings.AdamLr;
        settings.FStar = Common(o => o.FStar) ?? settings.FStar;
        settings.Eps = Common(o => o.Eps) ?? settings.Eps;
        settings.C = Common(o => o.C) ?? settings.C;
        settings.NoCap = cap is double.PositiveInfinity;
        settings.MaxStep = cap is double.PositiveInfinity ? null : cap;
        settings.Noises = [.. requests.Select(r => r.ProblemOptions.Noise).OfType<double>().Distinct()];
        settings.BatchSizes = [.. requests.Select(r => r.BatchSize).Distinct()];
        settings.Optimizers = [.. requests.Select(r => r.Optimizer).Distinct()];
        var problem = first.ProblemOptions;
        settings.WellA = problem.A ?? settings.WellA;
        settings.WellB = problem.B ?? settings.WellB;
        settings.WellC = problem.C ?? settings.WellC;
        if (problem.Start is [var x, var y]) (settings.StartX, settings.StartY) = (x, y);
        return settings;
    }

    /// <summary>One line for the folded form, e.g. "100 epochs · seed 0 · batch 16, 256 · polyak-sgd, sgd · f* 0".</summary>
    public string Summary(bool twoWell)
    {
        var parts = new List<string> { Epochs == 1 ? "1 epoch" : $"{Epochs} epochs", $"seed {Seed}", $"data seed {DataSeed}", Reduction.ToString().ToLowerInvariant() + " loss" };
        if (Noises.Count > 0) parts.Add("σ " + string.Join(", ", Noises.Order().Select(n => n.ToString("0.##"))));
        if (BatchSizes.Count > 0) parts.Add("batch " + string.Join(", ", BatchSizes.Order()));
        if (Optimizers.Count > 0) parts.Add(string.Join(", ", Optimizers));
        if (Optimizers.Contains(OptimizerCatalog.Sgd)) parts.Add($"SGD lr {Lr:G3}");
        if (Optimizers.Contains(OptimizerCatalog.Adam)) parts.Add($"Adam lr {AdamLr:G3}");
        if (Optimizers.Any(OptimizerCatalog.UsesPolyak))
        {
            parts.Add($"f* {FStar:G3}");
            parts.Add($"ε {Eps:G3}");
            parts.Add(NoCap ? "no cap" : MaxStep is { } cap ? $"cap {cap:G3}" : "default cap");
            parts.Add($"c {C:G3}");
        }
        if (twoWell) parts.Add($"wells a {WellA:G3}, b {WellB:G3}, c {WellC:G3} · start ({StartX:G3}, {StartY:G3})");
        return string.Join(" · ", parts);
    }

    public ExperimentOverrides ToOverrides(bool twoWell) => new()
    {
        Epochs = Epochs, Seed = Seed, DataSeed = DataSeed, Reduction = Reduction,
        Lr = Lr, AdamLr = AdamLr, FStar = FStar, Eps = Eps, MaxStep = NoCap ? double.PositiveInfinity : MaxStep, C = C,
        Noises = Noises.Count > 0 ? [.. Noises.Order()] : null,
        BatchSizes = BatchSizes.Count > 0 ? [.. BatchSizes.Order()] : null,
        Optimizers = Optimizers.Count > 0 ? [.. Optimizers] : null,
        WellA = twoWell ? WellA : null, WellB = twoWell ? WellB : null, WellC = twoWell ? WellC : null,
        Start = twoWell ? [StartX, StartY] : null,
    };
}
