using System.Globalization;
using PolyakCore.Export;
using PolyakCore.Optimization;
using PolyakCore.Text;
using PolyakCore.Training;

namespace PolyakCore.Experiments;

/// <summary>The report's 1d figures, as it states them: validation loss after 200 epochs of its model at batch 16.</summary>
public static class ReportChildSpeech
{
    public const int Epochs = 200, Batch = 16;
    public const double Dropout = 0.2;

    /// <summary>What its tuning chose (10-epoch grids): constant SGD's lr, Adam's lr, β₁ and β₂; Polyak SGD: f* = 0, ε = 1e-8, no cap.</summary>
    public const double SgdLr = 0.01, AdamLr = 1e-3, AdamBeta1 = 0.9, AdamBeta2 = 0.9999;

    /// <summary>Epochs of the CPU reproduction: the report's settings on the tiny model (measurements/1d-reproduction),
    /// the 1d experiment's and page's default.</summary>
    public const int ReproductionEpochs = 100;

    /// <summary>An optimizer's settings as the report tuned them: SGD's and Adam's rates, Adam's β₂ (MoMo-Adam's cap and β₂
    /// as Adam's); the Polyak rules as the report ran them (f* = 0, no cap) are their defaults.</summary>
    public static OptimizerSettings OptimizerSettingsFor(string optimizer) => optimizer switch
    {
        OptimizerCatalog.Sgd => new() { Lr = SgdLr },
        OptimizerCatalog.Adam or OptimizerCatalog.MomoAdam => new() { Lr = AdamLr, Beta2 = AdamBeta2 },
        _ => new(),
    };

    /// <summary>In the report's order: constant SGD, Polyak SGD, Adam (nats per character).</summary>
    public static IReadOnlyList<(string Optimizer, double ValLoss)> ValLoss { get; } =
        [(OptimizerCatalog.Sgd, 0.370), (OptimizerCatalog.PolyakSgd, 0.358), (OptimizerCatalog.Adam, 0.341)];
}

/// <summary>The 1d page's lesson: the sentences a reader sees at once, and with several seeds measured, the per-seed
/// account of Polyak SGD's first phase, which grows with every seed (the page folds it).</summary>
public sealed record ChildSpeechLessonText(IReadOnlyList<string> Sentences, IReadOnlyList<string> PerSeed)
{
    public IEnumerable<string> All => Sentences.Concat(PerSeed);
}

/// <summary>What the 1d page says about results, in sentences made from computed numbers: the shipped checkpoints'
/// metadata (each optimizer's best validation loss and when), the corpus's floor and unigram level, and the Polyak
/// ladder's measured step time of the report's model (for what reproducing the report would cost here).</summary>
public static class ChildSpeechLesson
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <param name="shipped">Metadata of the shipped checkpoints (best-validation ones).</param>
    /// <param name="floor">The corpus's entropy floor (nats per character).</param>
    /// <param name="unigram">The unigram level: the loss of a model that ignores context.</param>
    /// <param name="ladder">The Polyak-step measurement, for the report model's step time; null leaves the projection out.</param>
    /// <param name="reportIterationsPerEpoch">Iterations of one epoch of the report's model (its context) at its batch on this corpus.</param>
    /// <param name="measured">Runs at the report's settings on a CPU-sized model (one per optimizer), to compare at the
    /// epochs they all reached; null or empty leaves that out.</param>
    public static ChildSpeechLessonText Describe(IReadOnlyList<CheckpointMetadata> shipped, double floor, double unigram,
        PolyakLadder? ladder, int reportIterationsPerEpoch, IReadOnlyList<RunFolderContent>? measured = null)
    {
        var best = shipped.GroupBy(m => m.Optimizer).ToDictionary(g => g.Key, g => g.MinBy(m => m.ValLoss)!);
        var sentences = new List<string>();
        if (best.GetValueOrDefault(OptimizerCatalog.Adam) is { } adam)
            sentences.Add(F($"Adam (lr {Lr(adam)}) got to {adam.ValLoss:F3} nats per character on validation at epoch {adam.Epoch}, {adam.ValLoss - floor:F3} above the floor."));
        if (best.GetValueOrDefault(OptimizerCatalog.Sgd) is { } sgd)
            sentences.Add(F($"Constant SGD (lr {Lr(sgd)}): {sgd.ValLoss:F2} at epoch {sgd.Epoch}."));
        if (best.GetValueOrDefault(OptimizerCatalog.PolyakSgd) is { } polyak)
            sentences.Add(F($"Polyak SGD with f* = 0 (no cap, the report's rule): at best {polyak.ValLoss:F2} (epoch {polyak.Epoch}), ") +
                (polyak.ValLoss > unigram
                    ? F($"above the unigram level {unigram:F2}, the loss of a model that ignores context: it does not settle here. Its step (f − f*)/‖g‖² is large wherever ‖g‖² is small while f is far from 0 — watch the step-size chart, and the measured steps below.")
                    : F($"below the unigram level {unigram:F2}, the loss of a model that ignores context (the best epoch only: its curve shows whether it stayed there).")));
        if (best.GetValueOrDefault(OptimizerCatalog.SpsMax) is { } sps)
            sentences.Add(F($"SPS_max caps that step (α ≤ {OptimizerCatalog.PolyakSettingsFor(sps.Optimizer, sps.OptimizerOptions).MaxStep:G3}): {sps.ValLoss:F2} at epoch {sps.Epoch}."));
        if (Ordering(best) is { } ordering) sentences.Add(ordering);
        var perSeed = new List<string>();
        if (measured is { Count: > 0 }) Measured(measured, unigram, sentences, perSeed);
        if (ladder is not null && Projection(ladder, reportIterationsPerEpoch) is { } projection) sentences.Add(projection);
        return new(sentences, perSeed);
    }

    /// <summary>The report's ordering against the shipped checkpoints', when all three optimizers are shipped.</summary>
    private static string? Ordering(Dictionary<string, CheckpointMetadata> best)
    {
        if (!ReportChildSpeech.ValLoss.All(r => best.ContainsKey(r.Optimizer))) return null;
        static string Order(IEnumerable<(string Optimizer, double Loss)> rows) =>
            string.Join(" < ", rows.OrderBy(r => r.Loss).Select(r => F($"{OptimizerCatalog.DisplayName(r.Optimizer)} {r.Loss:F3}")));
        var report = ReportChildSpeech.ValLoss;
        var ours = report.Select(r => (r.Optimizer, best[r.Optimizer].ValLoss)).ToArray();
        bool same = InReportOrder(ours);
        var presets = string.Join(", ", ReportChildSpeech.ValLoss.Select(r => Model(best[r.Optimizer])).Distinct());
        return F($"The report, after {ReportChildSpeech.Epochs} epochs of its 10.8M-parameter model at batch {ReportChildSpeech.Batch}: {Order(report)}. ") +
            F($"The shipped checkpoints ({presets}): {Order(ours)} — ") + (same ? "the same ordering." : "not the report's ordering.");
    }

    /// <summary>The measured runs (one per optimizer and seed) at the epoch all of them reached: their validation losses
    /// against the report's ordering, seed by seed, and whether Polyak SGD stayed below the unigram level once past its
    /// first tenth, added to <paramref name="sentences"/> (with several seeds, Polyak's account per seed goes to
    /// <paramref name="perSeed"/>).</summary>
    private static void Measured(IReadOnlyList<RunFolderContent> runs, double unigram, List<string> sentences, List<string> perSeed)
    {
        var rows = runs.Where(r => r.Epochs.Any(e => e.ValLoss is not null)).ToArray();
        if (rows.Length == 0) return;
        int epoch = rows.Min(r => r.Epochs.Where(e => e.ValLoss is not null).Max(e => e.Epoch));
        double ValAt(RunFolderContent r) => r.Epochs.Last(e => e.Epoch <= epoch && e.ValLoss is not null).ValLoss!.Value;
        static string Optimizer(RunFolderContent r) => r.Summary.Request.Optimizer;
        var request = rows[0].Summary.Request;
        var text = request.ProblemOptions.Text;
        string settings = string.Join("; ", rows.DistinctBy(Optimizer).Select(r => F($"{OptimizerCatalog.DisplayName(Optimizer(r))}") + Settings(r.Summary.Request)));
        var seeds = rows.GroupBy(r => r.Summary.Request.Seed).OrderBy(g => g.Key).ToArray();
        string Ranking(IEnumerable<RunFolderContent> seed) => string.Join(" < ", seed.OrderBy(ValAt).Select(r => F($"{OptimizerCatalog.DisplayName(Optimizer(r))} {ValAt(r):F2}")));
        static bool Complete(IEnumerable<RunFolderContent> seed) => ReportChildSpeech.ValLoss.All(o => seed.Any(r => Optimizer(r) == o.Optimizer));
        bool Same(IEnumerable<RunFolderContent> seed) => Complete(seed) && InReportOrder(seed.Select(r => (Optimizer(r), ValAt(r))));
        double minutes = rows.Max(r => r.Summary.Seconds) / 60;
        string opening = F($"Measured here at the report's settings on the {text?.Preset ?? "custom"} model (batch {request.BatchSize}, dropout {text?.Dropout ?? 0:G2}; {settings}), ") +
            F($"validation after {epoch} epochs (up to {minutes:F0} minutes a run, wall-clock)");
        if (seeds.Length == 1)
            sentences.Add(opening + F($": {Ranking(rows)}") + (Complete(rows) ? Same(rows) ? " — the report's ordering." : " — not the report's ordering." : "."));
        else
        {
            int complete = seeds.Count(Complete), same = seeds.Count(Same);
            sentences.Add(opening + ", seed by seed: " + string.Join("; ", seeds.Select(g => F($"seed {g.Key}: {Ranking(g)}"))) +
                F($" — the report's ordering in {same} of {complete} seed{(complete == 1 ? "" : "s")} with all three."));
        }
        var polyaks = rows.Where(r => Optimizer(r) == OptimizerCatalog.PolyakSgd).OrderBy(r => r.Summary.Request.Seed).ToArray();
        if (polyaks.Length > 1)
        {
            var above = polyaks.Where(r => ValAt(r) > unigram).Select(r => r.Summary.Request.Seed).ToArray();
            sentences.Add(F($"Polyak SGD ended below the unigram level ({unigram:F2}) in {polyaks.Length - above.Length} of its {polyaks.Length} seeds") +
                (above.Length == 0 ? "." : F($"; in seed{(above.Length == 1 ? "" : "s")} {string.Join(", ", above)} it had not left its oscillating phase after {epoch} epochs.")));
        }
        if (seeds.Length == 1) sentences.AddRange(polyaks.Select(polyak => "There " + PolyakClimbs(polyak, epoch, unigram)));
        else perSeed.AddRange(polyaks.Select(polyak => F($"With seed {polyak.Summary.Request.Seed}, ") + PolyakClimbs(polyak, epoch, unigram)));
    }

    /// <summary>How often Polyak SGD's validation loss was above the unigram level after its first tenth of <paramref name="epoch"/>,
    /// and its range until the last time (its oscillating phase; the whole range when it never settled or never climbed).</summary>
    private static string PolyakClimbs(RunFolderContent polyak, int epoch, double unigram)
    {
        var late = polyak.Epochs.Where(e => e.ValLoss is not null && e.Epoch > epoch / 10 && e.Epoch <= epoch).ToArray();
        int above = late.Count(e => e.ValLoss > unigram);
        int last = Array.FindLastIndex(late, e => e.ValLoss > unigram), since = late.Length - 1 - last;
        bool settled = above > 0 && since > 0;
        var phase = settled ? late[..(last + 1)] : late;
        string lastAbove = settled
            ? F($", the last time at epoch {late[last].Epoch} (below it for the {since} epoch{(since == 1 ? "" : "s")} since); until then between ")
            : ", between ";
        return F($"Polyak SGD's validation loss was above the unigram level ({unigram:F2}) in {above} of its {late.Length} epochs after epoch {epoch / 10}{lastAbove}") +
            F($"{phase.Min(e => e.ValLoss!.Value):F2} and {phase.Max(e => e.ValLoss!.Value):F2}; its step reached {polyak.Summary.MaxStepSize:F0} (mean {polyak.Summary.MeanStepSize:F1}).");
    }

    private static string Settings(RunRequest request) => request.Optimizer switch
    {
        _ when OptimizerCatalog.UsesPolyak(request.Optimizer) => OptimizerCatalog.PolyakSettingsFor(request.Optimizer, request.OptimizerOptions) is var p
            ? (p.FStar != 0 ? F($" at f* = {p.FStar:G3}") : "") + (p.MaxStep is { } cap ? F($" capped at {cap:G3}") : " with no cap") : "",
        OptimizerCatalog.Adam => F($" lr {Lr(request.Optimizer, request.OptimizerOptions)}, β₁ {request.OptimizerOptions.Beta1 ?? 0.9:G3}, β₂ {request.OptimizerOptions.Beta2 ?? 0.999:G4}"),
        _ => $" lr {Lr(request.Optimizer, request.OptimizerOptions)}",
    };

    /// <summary>Whether the report's optimizers among <paramref name="losses"/> rank as they did in the report.</summary>
    private static bool InReportOrder(IEnumerable<(string Optimizer, double Loss)> losses) =>
        losses.Where(r => ReportChildSpeech.ValLoss.Any(o => o.Optimizer == r.Optimizer)).OrderBy(r => r.Loss).Select(r => r.Optimizer)
            .SequenceEqual(ReportChildSpeech.ValLoss.OrderBy(o => o.ValLoss).Select(o => o.Optimizer));

    /// <summary>Hours per optimizer for the report's 200 epochs, from the ladder's measured step of the report's model.</summary>
    private static string? Projection(PolyakLadder ladder, int iterationsPerEpoch)
    {
        var report = GptPreset.Find(GptPreset.Report)!;
        var rung = ladder.Results.Where(r => r.NEmbd == report.NEmbd && r.NLayer == report.NLayer && r.Block == report.Block && r.SecondsPerStep > 0)
            .OrderBy(r => Math.Abs(r.Batch - ReportChildSpeech.Batch)).FirstOrDefault();
        if (rung is null || iterationsPerEpoch <= 0) return null;
        double hours = rung.SecondsPerStep * iterationsPerEpoch * ReportChildSpeech.Epochs / 3600;
        return F($"The report's own model here: its step took {rung.SecondsPerStep:F1} s at batch {rung.Batch} ({ladder.Machine}, an upper bound: measured under other jobs' load), ") +
            F($"and {ReportChildSpeech.Epochs} epochs are {ReportChildSpeech.Epochs * iterationsPerEpoch:N0} steps of it: about {hours:F0} hours per optimizer, {3 * hours:F0} for the three.");
    }

    /// <summary>The preset's name, or the sizes when a preset's were overridden (e.g. tiny with dropout 0.2).</summary>
    private static string Model(CheckpointMetadata m) => m.Preset
        ?? F($"{m.Model.NEmbd}-dim, {m.Model.NHead} heads, {m.Model.NLayer} layers, context {m.Model.Block}, dropout {m.Model.Dropout:G2}, batch {m.BatchSize}");

    private static string Lr(CheckpointMetadata m) => Lr(m.Optimizer, m.OptimizerOptions);

    private static string Lr(string optimizer, OptimizerSettings options) =>
        (options.Lr ?? OptimizerCatalog.DefaultLearningRate(optimizer)).ToString("G3", Invariant);

    private static string F(FormattableString s) => s.ToString(Invariant);
}
