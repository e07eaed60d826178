using System.Globalization;
using PolyakCore.Optimization;
using PolyakCore.Text;
using PolyakCore.Training;

namespace PolyakCore.Experiments;

/// <summary>The report's 1d figures, as it states them: validation loss after 200 epochs of its model at batch 16.</summary>
public static class ReportChildSpeech
{
    public const int Epochs = 200, Batch = 16;

    /// <summary>In the report's order: constant SGD, Polyak SGD, Adam (nats per character).</summary>
    public static IReadOnlyList<(string Optimizer, double ValLoss)> ValLoss { get; } =
        [(OptimizerCatalog.Sgd, 0.370), (OptimizerCatalog.PolyakSgd, 0.358), (OptimizerCatalog.Adam, 0.341)];
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
    public static IReadOnlyList<string> Describe(IReadOnlyList<CheckpointMetadata> shipped, double floor, double unigram,
        PolyakLadder? ladder, int reportIterationsPerEpoch)
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
            sentences.Add(F($"SPS_max caps that step (α ≤ {sps.OptimizerOptions.MaxStep ?? 1:G3}): {sps.ValLoss:F2} at epoch {sps.Epoch}."));
        if (Ordering(best) is { } ordering) sentences.Add(ordering);
        if (ladder is not null && Projection(ladder, reportIterationsPerEpoch) is { } projection) sentences.Add(projection);
        return sentences;
    }

    /// <summary>The report's ordering against the shipped checkpoints', when all three optimizers are shipped.</summary>
    private static string? Ordering(Dictionary<string, CheckpointMetadata> best)
    {
        if (!ReportChildSpeech.ValLoss.All(r => best.ContainsKey(r.Optimizer))) return null;
        static string Order(IEnumerable<(string Optimizer, double Loss)> rows) =>
            string.Join(" < ", rows.OrderBy(r => r.Loss).Select(r => F($"{OptimizerCatalog.DisplayName(r.Optimizer)} {r.Loss:F3}")));
        var report = ReportChildSpeech.ValLoss;
        var ours = report.Select(r => (r.Optimizer, best[r.Optimizer].ValLoss)).ToArray();
        bool same = ours.OrderBy(r => r.ValLoss).Select(r => r.Optimizer).SequenceEqual(report.OrderBy(r => r.ValLoss).Select(r => r.Optimizer));
        var presets = string.Join(", ", ReportChildSpeech.ValLoss.Select(r => best[r.Optimizer].Preset ?? "custom").Distinct());
        return F($"The report, after {ReportChildSpeech.Epochs} epochs of its 10.8M-parameter model at batch {ReportChildSpeech.Batch}: {Order(report)}. ") +
            F($"The shipped checkpoints ({presets}): {Order(ours)} — ") + (same ? "the same ordering." : "not the report's ordering.");
    }

    /// <summary>Hours per optimizer for the report's 200 epochs, from the ladder's measured step of the report's model.</summary>
    private static string? Projection(PolyakLadder ladder, int iterationsPerEpoch)
    {
        var report = GptPreset.Find(GptPreset.Report)!;
        var rung = ladder.Results.Where(r => r.NEmbd == report.NEmbd && r.NLayer == report.NLayer && r.Block == report.Block && r.SecondsPerStep > 0)
            .OrderBy(r => Math.Abs(r.Batch - ReportChildSpeech.Batch)).FirstOrDefault();
        if (rung is null || iterationsPerEpoch <= 0) return null;
        double hours = rung.SecondsPerStep * iterationsPerEpoch * ReportChildSpeech.Epochs / 3600;
        return F($"Reproducing the report here: its model's step took {rung.SecondsPerStep:F1} s at batch {rung.Batch} ({ladder.Machine}, an upper bound: measured under other jobs' load), ") +
            F($"and {ReportChildSpeech.Epochs} epochs are {ReportChildSpeech.Epochs * iterationsPerEpoch:N0} steps of it: about {hours:F0} hours per optimizer, {3 * hours:F0} for the three.");
    }

    private static string Lr(CheckpointMetadata m) => (m.OptimizerOptions.Lr ?? OptimizerCatalog.DefaultLearningRate(m.Optimizer)).ToString("G3", Invariant);

    private static string F(FormattableString s) => s.ToString(Invariant);
}
