using System.Globalization;
using static System.FormattableString;
using PolyakCore.Export;
using PolyakCore.Optimization;
using PolyakCore.Text;
using PolyakCore.Training;

namespace PolyakCore.Experiments;

/// <summary>The 1d page's account of short Polyak SGD runs over batch, dropout and model size: one sentence, and one line
/// per run (the page folds those).</summary>
public sealed record ChildSpeechFirstPhaseText(string Sentence, IReadOnlyList<string> Runs);

/// <summary>Is Polyak SGD's first phase on the child-speech GPT (validation above the unigram level for tens of epochs)
/// a matter of the batch, the dropout or the model's size? Short runs of Polyak SGD (f* = 0, no cap) over those settings
/// (measurements/1d-first-phase), described from their files: which settled, where each ended, and its steps against
/// constant SGD's tuned learning rate.</summary>
public static class ChildSpeechFirstPhase
{
    /// <param name="runs">Polyak SGD runs, each as the CLI's <c>run --out</c> left it (runs of other optimizers are left out).</param>
    /// <param name="unigram">The unigram level: the loss of a model that ignores context.</param>
    /// <param name="sgdLr">Constant SGD's tuned learning rate, to set the steps against.</param>
    /// <param name="reference">Longer runs (the reproduction's): its constant-SGD runs at <paramref name="sgdLr"/> are set
    /// beside the short runs — when they went below the unigram level, whether they climbed back, where they were at the
    /// short runs' last epoch.</param>
    /// <returns>Null without runs that recorded a validation loss.</returns>
    public static ChildSpeechFirstPhaseText? Describe(IReadOnlyList<RunFolderContent> runs, double unigram, double sgdLr,
        IReadOnlyList<RunFolderContent>? reference = null)
    {
        var measured = runs.Where(r => r.Summary.Request.Optimizer == OptimizerCatalog.PolyakSgd)
            .Select(r => (Run: r, Epochs: r.Epochs.Where(e => e.ValLoss is not null && e.Epoch > 0).ToArray()))
            .Where(r => r.Epochs.Length > 0)
            .Select(r => (r.Run, r.Epochs, Settled: Settled(r.Epochs, unigram)))
            .OrderBy(r => Preset(r.Run)).ThenBy(r => Dropout(r.Run)).ThenBy(r => r.Run.Summary.Request.BatchSize).ThenBy(r => r.Run.Summary.Request.Seed)
            .ToArray();
        if (measured.Length == 0) return null;

        int settled = measured.Count(r => r.Settled);
        int aboveAtEnd = measured.Count(r => r.Epochs[^1].ValLoss > unigram);
        var lengths = measured.Select(r => r.Epochs[^1].Epoch).Distinct().Order().ToArray();
        string epochs = lengths.Length == 1 ? Invariant($"{lengths[0]} epochs each") : Invariant($"{lengths[0]}–{lengths[^1]} epochs");
        int half = lengths[0] / 2 + 1;
        var seeds = measured.Select(r => r.Run.Summary.Request.Seed).Distinct().Order().ToArray();
        string settings = string.Join("; ", measured.GroupBy(r => (Preset(r.Run), Dropout(r.Run)))
            .Select(g => Invariant($"{g.Key.Item1} with dropout {g.Key.Item2:G2} at batch ") + Join(g.Select(r => r.Run.Summary.Request.BatchSize).Distinct().Order().Select(b => b.ToString(CultureInfo.InvariantCulture)))));
        var means = measured.Select(r => r.Run.Summary.MeanStepSize).Where(double.IsFinite).ToArray();
        string steps = means.Length == 0 ? "" :
            Invariant($" Their mean steps were {means.Min():F1} to {means.Max():F1}: {means.Min() / sgdLr:F0} to {means.Max() / sgdLr:F0} times constant SGD's tuned learning rate ({sgdLr:G3}).");
        string sentence = Invariant($"Is that first phase a matter of batch, dropout or model size? {measured.Length} short runs of Polyak SGD (f* = 0, no cap; {epochs}; ") +
            Invariant($"seed{(seeds.Length == 1 ? "" : "s")} {Join(seeds.Select(s => s.ToString(CultureInfo.InvariantCulture)))}): {settings}. ") +
            (settled == 0 ? "In none of them" : Invariant($"In {settled} of them")) + Invariant($" the validation loss stayed below the unigram level ({unigram:F2}) through the second half of the run (from epoch {half} of {lengths[0]}); ") +
            Invariant($"in {aboveAtEnd} it was above it at the last epoch.") + steps + Sgd(reference, unigram, sgdLr, lengths[0]);

        var lines = measured.Select(r =>
        {
            var request = r.Run.Summary.Request;
            int above = r.Epochs.Count(e => e.ValLoss > unigram);
            var last = r.Epochs[^1];
            return Invariant($"{Preset(r.Run)}, batch {request.BatchSize}, dropout {Dropout(r.Run):G2}, seed {request.Seed}: above the unigram level in {above} of epochs ") +
                Invariant($"{r.Epochs[0].Epoch}–{last.Epoch}, {last.ValLoss:F3} at epoch {last.Epoch}") + (r.Settled ? " (settled)" : "") +
                Invariant($"; mean step {r.Run.Summary.MeanStepSize:F1}, largest {r.Run.Summary.MaxStepSize:F0}.");
        }).ToArray();
        return new(sentence, lines);
    }

    // Settled: below the unigram level in every epoch of its second half.
    private static bool Settled(EpochRecord[] epochs, double unigram) => epochs.Where(e => e.Epoch > epochs[^1].Epoch / 2).All(e => e.ValLoss <= unigram);

    // Constant SGD at the tuned rate over the same epochs, from the longer runs.
    private static string Sgd(IReadOnlyList<RunFolderContent>? reference, double unigram, double lr, int epochs)
    {
        var sgd = (reference ?? []).Where(r => r.Summary.Request.Optimizer == OptimizerCatalog.Sgd && r.Summary.Request.OptimizerOptions?.Lr == lr)
            .Select(r => r.Epochs.Where(e => e.ValLoss is not null && e.Epoch > 0).ToArray())
            .Where(e => e.Length > 0 && e[^1].Epoch >= epochs).ToArray();
        if (sgd.Length == 0) return "";
        var firstBelow = sgd.Select(e => Array.FindIndex(e, x => x.ValLoss <= unigram)).ToArray();
        if (firstBelow.Any(i => i < 0)) return Invariant($" Constant SGD at that rate, in the reproduction's {sgd.Length} runs: not below the unigram level in {firstBelow.Count(i => i < 0)} of them.");
        int climbed = sgd.Where((e, k) => e.Skip(firstBelow[k]).Any(x => x.ValLoss > unigram)).Count();
        int latest = sgd.Select((e, k) => e[firstBelow[k]].Epoch).Max();
        var atEnd = sgd.Select(e => e.Last(x => x.Epoch <= epochs).ValLoss!.Value).ToArray();
        return Invariant($" Constant SGD at that rate, in the reproduction's {sgd.Length} runs: below the unigram level by epoch {latest}, ") +
            (climbed == 0 ? "never above it again" : Invariant($"above it again later in {climbed}")) + Invariant($", {atEnd.Min():F2} to {atEnd.Max():F2} at epoch {epochs}.");
    }

    private static string Preset(RunFolderContent run) => run.Summary.Request.ProblemOptions?.Text?.Preset ?? "custom";

    // Left out, a preset's own.
    private static double Dropout(RunFolderContent run) => run.Summary.Request.ProblemOptions?.Text is { } text
        ? text.Dropout ?? GptPreset.Find(text.Preset)?.Dropout ?? 0 : 0;

    private static string Join(IEnumerable<string> items)
    {
        var list = items.ToArray();
        return list.Length <= 1 ? string.Concat(list) : string.Join(", ", list[..^1]) + " and " + list[^1];
    }

}
