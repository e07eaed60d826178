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
