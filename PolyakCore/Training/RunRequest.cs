namespace PolyakCore.Training;

/// <summary>How a mini-batch loss aggregates its points: the report used the mean (MSELoss); the
/// assignment text defines the sum. The Polyak update is the same for both; plotted step sizes are not.</summary>
public enum Reduction { Mean, Sum }

/// <summary>One training run, as data: the same JSON drives the CLI, the HTTP API and the pages.</summary>
public sealed record RunRequest
{
    /// <summary>quadratic (1a), noisy-linear (1b), two-well (1c), multi-linear (1e), child-speech (1d).</summary>
    public string Problem { get; init; } = "quadratic";
    public ProblemOptions ProblemOptions { get; init; } = new();
    /// <summary>sgd, polyak-sgd, sps-max, adam, polyak-adam, polyak-adam-corrected, armijo-sgd.</summary>
    public string Optimizer { get; init; } = "polyak-sgd";
    public OptimizerOptions OptimizerOptions { get; init; } = new();
    public int BatchSize { get; init; } = 32;
    public int Epochs { get; init; } = 500;
    /// <summary>Seeds the initial parameters and the shuffling; the data set has its own seed.</summary>
    public int Seed { get; init; }
    public Reduction Reduction { get; init; } = Reduction.Mean;
    /// <summary>A readable name for charts and run lists (e.g. "σ=1, batch 16, polyak-sgd").</summary>
    public string? Label { get; init; }
}

/// <summary>Problem settings; null means the problem's default (see EXPERIMENTS.md).</summary>
public sealed record ProblemOptions
{
    /// <summary>Number of data points (1000 for the regressions, 25 for the two-well).</summary>
    public int? Points { get; init; }
    /// <summary>Noise standard deviation σ (noisy-linear default 0, multi-linear 0.1).</summary>
    public double? Noise { get; init; }
    /// <summary>Seeds the data set, so runs with different shuffling seeds can share data.</summary>
    public int DataSeed { get; init; }
    /// <summary>Two-well constants a, b, c (default 20, 9, 10).</summary>
    public double? A { get; init; }
    public double? B { get; init; }
    public double? C { get; init; }
    /// <summary>Initial parameters (weights then bias); the two-well default is (3, 3).</summary>
    public double[]? Start { get; init; }
    /// <summary>The character model and its corpus (child-speech only).</summary>
    public TextOptions? Text { get; init; }
}

/// <summary>Child-speech settings: the corpus, the model's sizes (a preset, each size overridable), evaluation.</summary>
public sealed record TextOptions
{
    /// <summary>"child-speech" (built in, seeded by problemOptions.dataSeed) or the name of an uploaded corpus.</summary>
    public string? Corpus { get; init; }
    /// <summary>A plain-text file to train on (CLI only; the server takes uploads instead).</summary>
    public string? CorpusPath { get; init; }
    /// <summary>tiny (default), small or report.</summary>
    public string? Preset { get; init; }
    public int? NEmbd { get; init; }
    public int? NHead { get; init; }
    public int? NLayer { get; init; }
    /// <summary>Context length in characters.</summary>
    public int? Block { get; init; }
    public double? Dropout { get; init; }
    /// <summary>Random batches the train and validation losses are averaged over after each epoch (10).</summary>
    public int? EvalBatches { get; init; }
    /// <summary>Save best-validation and last checkpoints (true).</summary>
    public bool? SaveCheckpoints { get; init; }
}

/// <summary>Optimizer settings; null means the named optimizer's default.</summary>
public sealed record OptimizerOptions
{
    /// <summary>Constant learning rate (sgd 0.1, adam 0.01) or Armijo's initial step (1).</summary>
    public double? Lr { get; init; }
    public double? FStar { get; init; }
    /// <summary>ε of the Polyak denominator (1e-8).</summary>
    public double? Eps { get; init; }
    /// <summary>Polyak denominator scale c (1; sps-max 0.5) or Armijo's sufficient-decrease constant (1e-4).</summary>
    public double? C { get; init; }
    /// <summary>Polyak step cap (none; sps-max 1; polyak-adam-corrected 0.1); "Infinity" removes a default cap.</summary>
    public double? MaxStep { get; init; }
    public bool? Plus { get; init; }
    public bool? Smoothing { get; init; }
    public bool? Corrected { get; init; }
    public double? Beta1 { get; init; }
    public double? Beta2 { get; init; }
    /// <summary>ε of Adam's denominator (1e-8).</summary>
    public double? AdamEps { get; init; }
    /// <summary>Armijo shrink factor β (0.5).</summary>
    public double? Shrink { get; init; }
    public int? MaxBacktracks { get; init; }
}
