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

    /// <summary>One line for the folded form, e.g. "100 epochs · seed 0 · batch 16, 256 · polyak-sgd, sgd · f* 0".</summary>
    public string Summary(bool twoWell)
    {
        var parts = new List<string> { $"{Epochs} epochs", $"seed {Seed}", $"data seed {DataSeed}", Reduction.ToString().ToLowerInvariant() + " loss" };
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
