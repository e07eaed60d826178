using PolyakCore.Optimization;
using PolyakCore.Problems;

namespace PolyakCore.Training;

/// <summary>How a mini-batch loss aggregates its points: the report used the mean (MSELoss); the
/// assignment text defines the sum. The Polyak update is the same for both; plotted step sizes are not.</summary>
public enum Reduction { Mean, Sum }

/// <summary>One training run, as data: the same JSON drives the CLI, the HTTP API and the pages.</summary>
/// <remarks>The JSON names come from these properties (camelCase), not from their types: each part owns its settings
/// record (<see cref="ProblemOptions"/> in Problems, <see cref="OptimizerSettings"/> in Optimization), the request only
/// holds them.</remarks>
public sealed record RunRequest
{
    /// <summary>quadratic (1a), noisy-linear (1b), two-well (1c), multi-linear (1e), child-speech (1d).</summary>
    public string Problem { get; init; } = "quadratic";
    public ProblemOptions ProblemOptions { get; init; } = new();
    /// <summary>sgd, polyak-sgd, sps-max, adam, polyak-adam, polyak-adam-corrected, armijo-sgd.</summary>
    public string Optimizer { get; init; } = OptimizerCatalog.PolyakSgd;
    public OptimizerSettings OptimizerOptions { get; init; } = new();
    public int BatchSize { get; init; } = 32;
    public int Epochs { get; init; } = 500;
    /// <summary>Seeds the initial parameters and the shuffling; the data set has its own seed.</summary>
    public int Seed { get; init; }
    public Reduction Reduction { get; init; } = Reduction.Mean;
    /// <summary>A readable name for charts and run lists (e.g. "σ=1, batch 16, polyak-sgd").</summary>
    public string? Label { get; init; }
}
