using PolyakCore.Optimization;
using PolyakCore.Training;

namespace PolyakCore.Experiments;

/// <summary>A named experiment of the report: a grid of run requests with EXPERIMENTS.md's defaults.</summary>
public sealed record Experiment(string Id, string Title, string Finding, IReadOnlyList<RunRequest> Runs);

/// <summary>Optional changes applied to every run of an experiment (the API's and CLI's overrides).</summary>
public sealed record ExperimentOverrides
{
    public int? Epochs { get; init; }
    public int? Seed { get; init; }
    public int? DataSeed { get; init; }
    public Reduction? Reduction { get; init; }
    public double[]? Noises { get; init; }
    public int[]? BatchSizes { get; init; }
    public string[]? Optimizers { get; init; }
    /// <summary>Constant step of sgd runs; Adam's step of adam runs.</summary>
    public double? Lr { get; init; }
    public double? AdamLr { get; init; }
    /// <summary>Polyak settings of every Polyak run (f*, ε, cap, scale c).</summary>
    public double? FStar { get; init; }
    public double? Eps { get; init; }
    public double? MaxStep { get; init; }
    public double? C { get; init; }
    /// <summary>Two-well constants a, b, c and the start point.</summary>
    public double? WellA { get; init; }
    public double? WellB { get; init; }
    public double? WellC { get; init; }
    public double[]? Start { get; init; }
    /// <summary>Child speech: the model preset (tiny, small, report).</summary>
    public string? Preset { get; init; }
    /// <summary>Small experiments: run every configuration over this many seeds as one ensemble (the answer is its summary).</summary>
    public int? Seeds { get; init; }
    /// <summary>With <see cref="Seeds"/>: which randomness the seeds change (both by default).</summary>
    public SeedVariation? Vary { get; init; }
}

/// <summary>The experiments 1a–1e and the 1d tuning grids.</summary>
public static class ExperimentCatalog
{
    public static IReadOnlyList<string> Ids { get; } = ["1a", "1b", "1c", "1d", "1d-tune", "1e", Fixes1b, Fixes1e];

    /// <summary>The "fixes for f*" grids: the published answers to Polyak's unknown f* side by side at the noisiest setting.</summary>
    public const string Fixes1b = "1b-fixes", Fixes1e = "1e-fixes";

    /// <summary>The fixes grid of an experiment ("1b" → "1b-fixes"), or null where it has none.</summary>
    public static string? FixesOf(string id) => id switch { "1b" or Fixes1b => Fixes1b, "1e" or Fixes1e => Fixes1e, _ => null };

    /// <summary>The optimizers of the fixes grids: Polyak with f* = 0, SPS_max, DecSPS, AdaSPS, MoMo, MoMo*, constant SGD and Adam
    /// (1e adds MoMo-Adam and the report's Polyak–Adam).</summary>
    public static IReadOnlyList<string> FixesOptimizers { get; } =
    [
        OptimizerCatalog.PolyakSgd, OptimizerCatalog.SpsMax, OptimizerCatalog.DecSps, OptimizerCatalog.AdaSps,
        OptimizerCatalog.Momo, OptimizerCatalog.MomoStar, OptimizerCatalog.Sgd, OptimizerCatalog.Adam,
    ];

    public static bool IsKnown(string? id) => id is not null && Ids.Contains(id);

    public static IReadOnlyList<Experiment> All => [.. Ids.Select(id => Get(id))];

    public static Experiment Get(string id, ExperimentOverrides? o = null)
    {
        o ??= new ExperimentOverrides();
        var experiment = id switch
        {
            "1a" => Quadratic(o),
            "1b" => NoisyLinear(o),
            "1c" => TwoWell(o),
            "1d" => ChildSpeech(o),
            "1d-tune" => ChildSpeechTuning(o),
            "1e" => MultiLinear(o),
            Fixes1b => NoisyLinearFixes(o),
            Fixes1e => MultiLinearFixes(o),
            _ => throw new ArgumentException($"Unknown experiment '{id}'. Known: {string.Join(", ", Ids)}.", nameof(id)),
        };
        return experiment with { Runs = [.. experiment.Runs.Select(r => Apply(r, o))] };
    }

    private static Experiment Quadratic(ExperimentOverrides o) => new("1a", "Polyak SGD on y = 2x² + 1",
        "With interpolation f* = 0 is exact: Polyak SGD drives the loss towards 0 and (w1, w2, b) to (0, 2, 1). Findings over seeds: GET /api/experiments/1a/findings.",
        [new RunRequest { Problem = "quadratic", Optimizer = OptimizerCatalog.PolyakSgd, BatchSize = 32, Epochs = 500, Label = "polyak-sgd, batch 32" }]);

    private static Experiment NoisyLinear(ExperimentOverrides o) => new("1b", "Polyak vs constant SGD on y = 3x + 1 + σ·N(0, 1)",
        "With noise f* = 0 is wrong by about σ²: near the optimum the Polyak step blows up and the run ends above the least-squares floor, where constant SGD reaches it. Findings over seeds: GET /api/experiments/1b/findings.",
        [.. from noise in o.Noises ?? [0.0, 1.0, 5.0]
            from batch in o.BatchSizes ?? [16, 64, 256, 1000]
            from optimizer in o.Optimizers ?? [OptimizerCatalog.PolyakSgd, OptimizerCatalog.Sgd]
            select new RunRequest
            {
                Problem = "noisy-linear", ProblemOptions = new() { Noise = noise }, Optimizer = optimizer,
                OptimizerOptions = optimizer == OptimizerCatalog.Sgd ? new() { Lr = 0.1 } : new(),
                BatchSize = batch, Epochs = 100, Label = $"σ={noise}, batch {batch}, {optimizer}",
            }]);

    private static Experiment TwoWell(ExperimentOverrides o) => new("1c", "Escaping the local well",
        "Which runs leave the sharp local well at (1, 1) for the wide global one: constant SGD on the stability edge, and Polyak SGD, whose f* = 0 is below the sharp well's floor. Findings over seeds: GET /api/experiments/1c/findings.",
        [.. from batch in o.BatchSizes ?? [2, 5, 10, 25]
            from optimizer in o.Optimizers ?? [OptimizerCatalog.PolyakSgd, OptimizerCatalog.Sgd]
            select new RunRequest
            {
                Problem = "two-well", Optimizer = optimizer, OptimizerOptions = optimizer == OptimizerCatalog.Sgd ? new() { Lr = 0.05 } : new(),
                BatchSize = batch, Epochs = 50, Label = $"batch {batch}, {optimizer}",
            }]);

    private static Experiment MultiLinear(ExperimentOverrides o) => new("1e", "Polyak–Adam on 5-feature regression",
        "The report's Polyak–Adam (Adam direction, ‖g‖² denominator) against the corrected ⟨g, d⟩ denominator with a cap, Adam, Polyak SGD and SGD. Findings over seeds: GET /api/experiments/1e/findings.",
        [.. from noise in o.Noises ?? [0.1, 1.0]
            from optimizer in o.Optimizers ?? [OptimizerCatalog.PolyakAdam, OptimizerCatalog.PolyakAdamCorrected, OptimizerCatalog.Adam, OptimizerCatalog.PolyakSgd, OptimizerCatalog.Sgd]
            select new RunRequest
            {
                Problem = "multi-linear", ProblemOptions = new() { Noise = noise }, Optimizer = optimizer,
                OptimizerOptions = optimizer is OptimizerCatalog.Sgd or OptimizerCatalog.Adam ? new() { Lr = 0.01 } : new(),
                BatchSize = 32, Epochs = 100, Label = $"σ={noise}, {optimizer}",
            }]);

    private static Experiment NoisyLinearFixes(ExperimentOverrides o) => new(Fixes1b, "Fixes for f* on y = 3x + 1 + σ·N(0, 1)",
        "The published answers to the unknown f* — SPS_max's cap, DecSPS, AdaSPS, MoMo and MoMo* (bound estimated) — beside Polyak with f* = 0, constant SGD and Adam " +
        "at the noisiest σ: which end within 10 % of the least-squares floor. Findings over seeds: GET /api/experiments/1b-fixes/findings.",
        [.. from batch in o.BatchSizes ?? [64]
            from optimizer in o.Optimizers ?? FixesOptimizers
            select new RunRequest
            {
                Problem = "noisy-linear", ProblemOptions = new() { Noise = (o.Noises ?? [0.0, 1.0, 5.0]).Max() }, Optimizer = optimizer,
                OptimizerOptions = optimizer == OptimizerCatalog.Sgd ? new() { Lr = 0.1 } : optimizer == OptimizerCatalog.Adam ? new() { Lr = 0.01 } : new(),
                BatchSize = batch, Epochs = 100, Label = $"σ={(o.Noises ?? [0.0, 1.0, 5.0]).Max()}, batch {batch}, {optimizer}",
            }]);

    private static Experiment MultiLinearFixes(ExperimentOverrides o) => new(Fixes1e, "Fixes for f* on 5-feature regression",
        "The published answers to the unknown f* beside Polyak with f* = 0, the report's Polyak–Adam, MoMo-Adam, constant SGD and Adam at the noisiest σ: " +
        "which end within 10 % of the least-squares floor. Findings over seeds: GET /api/experiments/1e-fixes/findings.",
        [.. from optimizer in o.Optimizers ?? [.. FixesOptimizers, OptimizerCatalog.MomoAdam, OptimizerCatalog.PolyakAdam]
            select new RunRequest
            {
                Problem = "multi-linear", ProblemOptions = new() { Noise = (o.Noises ?? [0.1, 1.0]).Max() }, Optimizer = optimizer,
                OptimizerOptions = optimizer is OptimizerCatalog.Sgd or OptimizerCatalog.Adam ? new() { Lr = 0.01 } : new(),
                BatchSize = (o.BatchSizes ?? [32])[0], Epochs = 100, Label = $"σ={(o.Noises ?? [0.1, 1.0]).Max()}, {optimizer}",
            }]);

    /// <summary>Adam's step on the character model: 3e-3 learns the tiny preset in minutes (the grid tries 1e-3 and 1e-2);
    /// SGD's 0.1 beat 0.5 over the first epochs (3 epochs: validation 2.2 vs 3.1, where 0.5 sits at the unigram loss).</summary>
    public const double ChildSpeechAdamLr = 3e-3, ChildSpeechSgdLr = 0.1;
    public const int ChildSpeechBatch = 32;

    // A tuning grid's run: short, at batch 32 unless the grid varies it.
    private static RunRequest ChildSpeechRun(string optimizer, ExperimentOverrides o, int batch = ChildSpeechBatch,
        OptimizerSettings? options = null, int epochs = 3, string? label = null) => new()
    {
        Problem = "child-speech",
        ProblemOptions = new() { Text = new() { Preset = o.Preset ?? "tiny" } },
        Optimizer = optimizer,
        OptimizerOptions = options ?? optimizer switch
        {
            OptimizerCatalog.Sgd => new() { Lr = ChildSpeechSgdLr },
            OptimizerCatalog.Adam or OptimizerCatalog.MomoAdam => new() { Lr = ChildSpeechAdamLr },   // MoMo-Adam: its cap
            _ => new(),
        },
        BatchSize = batch,
        Epochs = epochs,
        Label = label ?? $"{o.Preset ?? "tiny"}, batch {batch}, {optimizer}",
    };

    // The report's settings (batch 16, dropout 0.2, its tuned rates) on the tiny model for 100 epochs: what reproduced its
    // ordering here (measurements/1d-reproduction), and the 1d page's default.
    private static Experiment ChildSpeech(ExperimentOverrides o) => new("1d", "A character GPT on child speech",
        "The report's full model after 200 epochs: validation loss " +
        string.Join(", ", ReportChildSpeech.ValLoss.Select(r => FormattableString.Invariant($"{OptimizerCatalog.DisplayName(r.Optimizer)} {r.ValLoss:F3}"))) + " nats per character. " +
        "Constant SGD, Adam and Polyak SGD (f* = 0, no cap) train the same model at the report's settings; compare their validation curves and Polyak's step size.",
        [.. from optimizer in o.Optimizers ?? [OptimizerCatalog.Sgd, OptimizerCatalog.Adam, OptimizerCatalog.PolyakSgd]
            from batch in o.BatchSizes ?? [ReportChildSpeech.Batch]
            select new RunRequest
            {
                Problem = "child-speech",
                ProblemOptions = new() { Text = new() { Preset = o.Preset ?? "tiny", Dropout = ReportChildSpeech.Dropout } },
                Optimizer = optimizer,
                OptimizerOptions = ReportChildSpeech.OptimizerSettingsFor(optimizer),
                BatchSize = batch,
                Epochs = ReportChildSpeech.ReproductionEpochs,
                Label = $"{o.Preset ?? "tiny"}, batch {batch}, {optimizer}",
            }]);

    private static Experiment ChildSpeechTuning(ExperimentOverrides o) => new("1d-tune", "Tuning grids for the character GPT",
        "As in the report: SGD's learning rate, Adam's learning rate × β1 × β2, and the batch size (with Adam), each run short; " +
        "with \"optimizers\": [\"momo-adam\"] also MoMo-Adam's cap × β1.",
        [
            .. from lr in new[] { 0.01, 0.1, 0.5 }
               select ChildSpeechRun(OptimizerCatalog.Sgd, o, options: new() { Lr = lr }, epochs: 3, label: $"sgd lr {lr}"),
            .. from lr in new[] { 1e-3, 1e-2 }
               from b1 in new[] { 0.9, 0.95 }
               from b2 in new[] { 0.999, 0.9999 }
               select ChildSpeechRun(OptimizerCatalog.Adam, o, options: new() { Lr = lr, Beta1 = b1, Beta2 = b2 }, epochs: 3,
                   label: $"adam lr {lr}, β1 {b1}, β2 {b2}"),
            .. from batch in o.BatchSizes ?? [16, 32, 64, 128]
               select ChildSpeechRun(OptimizerCatalog.Adam, o, batch, new() { Lr = ChildSpeechAdamLr }, epochs: 3, label: $"adam batch {batch}"),
            // Optional: MoMo-Adam's cap lr × β1, beside Adam's grid, when asked for ("optimizers": ["momo-adam"]).
            .. from lr in o.Optimizers?.Contains(OptimizerCatalog.MomoAdam) == true ? new[] { 1e-3, 1e-2 } : []
               from b1 in new[] { 0.9, 0.95 }
               select ChildSpeechRun(OptimizerCatalog.MomoAdam, o, options: new() { Lr = lr, Beta1 = b1 }, epochs: 3, label: $"momo-adam lr {lr}, β1 {b1}"),
        ]);

    private static RunRequest Apply(RunRequest r, ExperimentOverrides o)
    {
        var opt = r.OptimizerOptions;
        if (r.Optimizer == OptimizerCatalog.Sgd && o.Lr is { } lr) opt = opt with { Lr = lr };
        if (r.Optimizer == OptimizerCatalog.Adam && o.AdamLr is { } adamLr) opt = opt with { Lr = adamLr };
        if (OptimizerCatalog.UsesPolyak(r.Optimizer))
            opt = opt with { FStar = o.FStar ?? opt.FStar, Eps = o.Eps ?? opt.Eps, MaxStep = o.MaxStep ?? opt.MaxStep, C = o.C ?? opt.C };
        if (OptimizerCatalog.UsesLowerBound(r.Optimizer)) opt = opt with { FStar = o.FStar ?? opt.FStar };   // ℓ* of the fixes
        bool twoWell = r.Problem == "two-well";
        return r with
        {
            Epochs = o.Epochs ?? r.Epochs,
            Seed = o.Seed ?? r.Seed,
            Reduction = o.Reduction ?? r.Reduction,
            OptimizerOptions = opt,
            ProblemOptions = r.ProblemOptions with
            {
                DataSeed = o.DataSeed ?? r.ProblemOptions.DataSeed,
                A = twoWell ? o.WellA ?? r.ProblemOptions.A : r.ProblemOptions.A,
                B = twoWell ? o.WellB ?? r.ProblemOptions.B : r.ProblemOptions.B,
                C = twoWell ? o.WellC ?? r.ProblemOptions.C : r.ProblemOptions.C,
                Start = o.Start ?? r.ProblemOptions.Start,
            },
        };
    }

    /// <summary>A short, file-safe id for a run of an experiment, e.g. "1b-s1-b16-polyak-sgd".</summary>
    public static string RunId(string experimentId, RunRequest r)
    {
        var parts = new List<string> { experimentId };
        if (r.ProblemOptions.Noise is { } noise) parts.Add($"s{noise:0.###}");
        if (r.ProblemOptions.Text is { } text) parts.Add(text.Preset ?? "custom");
        parts.Add($"b{r.BatchSize}");
        parts.Add(r.Optimizer);
        if (experimentId == "1d-tune")
        {
            var opt = r.OptimizerOptions;
            if (opt.Lr is { } lr) parts.Add($"lr{lr:0.####}");
            if (opt.Beta1 is { } b1) parts.Add($"b1-{b1:0.####}");
            if (opt.Beta2 is { } b2) parts.Add($"b2-{b2:0.####}");
        }
        return string.Join("-", parts);
    }
}
