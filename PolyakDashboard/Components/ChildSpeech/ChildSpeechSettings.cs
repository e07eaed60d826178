using PolyakCore.Experiments;
using PolyakCore.Text;
using PolyakCore.Training;
using PolyakCore.Optimization;

namespace PolyakDashboard.Components.ChildSpeech;

/// <summary>The 1d page's form: one run per selected optimizer, all on the same corpus and model. Its defaults are the
/// report's settings on the tiny model (what measurements/1d-reproduction ran); <see cref="QuickLook"/> is the short run.</summary>
public sealed class ChildSpeechSettings
{
    public static IReadOnlyList<string> OptimizerChoices { get; } = [OptimizerCatalog.Sgd, OptimizerCatalog.Adam, OptimizerCatalog.PolyakSgd, OptimizerCatalog.SpsMax, OptimizerCatalog.PolyakAdam, OptimizerCatalog.MomoAdam];

    public string Preset { get; set; } = GptPreset.Tiny;
    public string Corpus { get; set; } = ChildSpeechCorpus.Name;
    public IReadOnlyCollection<string> Optimizers { get; set; } = [OptimizerCatalog.Sgd, OptimizerCatalog.Adam, OptimizerCatalog.PolyakSgd];
    public double? SgdLr { get; set; } = ReportChildSpeech.SgdLr;
    public double? AdamLr { get; set; } = ReportChildSpeech.AdamLr;
    /// <summary>Adam's β₂ (empty: Adam's default, 0.999).</summary>
    public double? AdamBeta2 { get; set; } = ReportChildSpeech.AdamBeta2;
    public int? BatchSize { get; set; } = ReportChildSpeech.Batch;
    public int? Epochs { get; set; } = ReportSettingsEpochs;
    public double? Dropout { get; set; } = ReportChildSpeech.Dropout;
    /// <summary>Sizes that override the preset's (empty: the preset's).</summary>
    public int? NEmbd { get; set; }
    public int? NHead { get; set; }
    public int? NLayer { get; set; }
    public int? Block { get; set; }
    public int? EvalBatches { get; set; } = 10;
    public int? Seed { get; set; } = 0;

    // The built-in corpus's shape (ignored for an uploaded corpus): today's is Zipf 0, always two phrases, the built-in list.
    public double? Zipf { get; set; } = 0;
    /// <summary>Relative frequencies of lines of 1, 2, 3 and 4 phrases.</summary>
    public double? PerLine1 { get; set; } = 0;
    public double? PerLine2 { get; set; } = 1;
    public double? PerLine3 { get; set; } = 0;
    public double? PerLine4 { get; set; } = 0;
    /// <summary>One phrase a line, most frequent first.</summary>
    public string PhrasesText { get; set; } = DefaultPhrasesText;

    public static string DefaultPhrasesText { get; } = string.Join("\n", ChildSpeechCorpus.Phrases);

    public bool IsBuiltInCorpus => Corpus == ChildSpeechCorpus.Name;

    /// <summary>The report's tuned settings (batch, dropout, SGD's and Adam's rates, Adam's β₂; Polyak SGD as it was) on
    /// the tiny model, for 100 epochs: what measurements/1d-reproduction ran, and the page's default.</summary>
    public static ChildSpeechSettings ReportSettings() => new();

    public const int ReportSettingsEpochs = ReportChildSpeech.ReproductionEpochs;

    public static string ReportSettingsDescription { get; } = FormattableString.Invariant(
        $"Tiny model, batch {ReportChildSpeech.Batch}, dropout {ReportChildSpeech.Dropout}, SGD lr {ReportChildSpeech.SgdLr}, Adam lr {ReportChildSpeech.AdamLr} and β₂ {ReportChildSpeech.AdamBeta2}, Polyak SGD with f* = 0 and no cap; {ReportSettingsEpochs} epochs");

    /// <summary>A short look: 10 epochs at batch 32 without dropout, with the rates the 10-epoch tuning grids chose there
    /// (in 10 epochs Polyak SGD is still in its oscillating phase).</summary>
    public static ChildSpeechSettings QuickLook() => new()
    {
        BatchSize = ExperimentCatalog.ChildSpeechBatch, Dropout = null, Epochs = QuickLookEpochs, AdamBeta2 = null,
        SgdLr = ExperimentCatalog.ChildSpeechSgdLr, AdamLr = ExperimentCatalog.ChildSpeechAdamLr,
    };

    public const int QuickLookEpochs = 10;

    public static string QuickLookDescription { get; } = FormattableString.Invariant(
        $"Tiny model, batch {ExperimentCatalog.ChildSpeechBatch}, no dropout, SGD lr {ExperimentCatalog.ChildSpeechSgdLr}, Adam lr {ExperimentCatalog.ChildSpeechAdamLr}; {QuickLookEpochs} epochs — minutes, not the report's ordering (Polyak SGD is still oscillating)");

    /// <summary>The corpus shape as the core takes it (list entries trimmed, blank lines dropped; the built-in list is null).</summary>
    public ChildSpeechGenerator Generator()
    {
        var phrases = PhrasesText.Split('\n').Select(p => p.Trim()).Where(p => p.Length > 0).ToArray();
        double[] weights = [PerLine1 ?? 0, PerLine2 ?? 0, PerLine3 ?? 0, PerLine4 ?? 0];
        int last = Array.FindLastIndex(weights, w => w != 0);
        return new ChildSpeechGenerator
        {
            Zipf = Zipf ?? 0,
            PhrasesPerLine = last < 0 ? weights : weights[..(last + 1)],
            Phrases = phrases.SequenceEqual(ChildSpeechCorpus.Phrases) ? null : phrases,
        };
    }

    // Requests name a generator only when it differs from today's corpus (so their JSON and run ids stay as they were).
    private ChildSpeechGenerator? RequestGenerator => IsBuiltInCorpus && Generator() is { IsDefault: false } g ? g : null;

    public IReadOnlyList<RunRequest> ToRequests() => [.. OptimizerChoices.Where(Optimizers.Contains).Select(optimizer => new RunRequest
    {
        Problem = "child-speech",
        ProblemOptions = new()
        {
            Text = new() { Preset = Preset, Corpus = Corpus, Generator = RequestGenerator, Dropout = Dropout, EvalBatches = EvalBatches, NEmbd = NEmbd, NHead = NHead, NLayer = NLayer, Block = Block },
        },
        Optimizer = optimizer,
        OptimizerOptions = optimizer switch { OptimizerCatalog.Sgd => new() { Lr = SgdLr ?? double.NaN }, OptimizerCatalog.Adam or OptimizerCatalog.MomoAdam => new() { Lr = AdamLr ?? double.NaN, Beta2 = AdamBeta2 }, _ => new() },
        BatchSize = BatchSize ?? 0,
        Epochs = Epochs ?? 0,
        Seed = Seed ?? 0,
        Label = $"{Preset}, batch {BatchSize}, {optimizer}",
    })];

    /// <summary>The settings a launch ran with (what a following viewer's form shows).</summary>
    public static ChildSpeechSettings FromLaunch(IReadOnlyList<RunRequest> requests)
    {
        var settings = new ChildSpeechSettings();
        if (requests.Count == 0) return settings;
        var first = requests[0];
        var text = first.ProblemOptions.Text ?? new TextOptions();
        settings.Preset = text.Preset ?? settings.Preset;
        settings.Corpus = text.Corpus ?? settings.Corpus;
        settings.Dropout = text.Dropout;
        settings.NEmbd = text.NEmbd;
        settings.NHead = text.NHead;
        settings.NLayer = text.NLayer;
        settings.Block = text.Block;
        settings.EvalBatches = text.EvalBatches ?? settings.EvalBatches;
        if (text.Generator is { } generator)
        {
            settings.Zipf = generator.Zipf;
            var counts = generator.PhrasesPerLine ?? [0, 1];
            double At(int i) => i < counts.Count ? counts[i] : 0;
            (settings.PerLine1, settings.PerLine2, settings.PerLine3, settings.PerLine4) = (At(0), At(1), At(2), At(3));
            settings.PhrasesText = string.Join("\n", generator.PhraseList);
        }
        settings.Optimizers = [.. requests.Select(r => r.Optimizer).Distinct()];
        settings.SgdLr = requests.FirstOrDefault(r => r.Optimizer == OptimizerCatalog.Sgd)?.OptimizerOptions.Lr ?? settings.SgdLr;
        settings.AdamLr = requests.FirstOrDefault(r => r.Optimizer == OptimizerCatalog.Adam)?.OptimizerOptions.Lr ?? settings.AdamLr;
        settings.AdamBeta2 = requests.FirstOrDefault(r => r.Optimizer == OptimizerCatalog.Adam)?.OptimizerOptions.Beta2;
        settings.BatchSize = first.BatchSize;
        settings.Epochs = first.Epochs;
        settings.Seed = first.Seed;
        return settings;
    }

    /// <summary>One line for the folded form, e.g. "tiny · child-speech · 10 epochs · batch 32 · seed 0 · sgd, adam".</summary>
    public string Summary()
    {
        var parts = new List<string> { Preset, RequestGenerator is { } g ? $"{Corpus} ({g.Describe()})" : Corpus, Epochs == 1 ? "1 epoch" : $"{Epochs} epochs", $"batch {BatchSize}", $"seed {Seed}", string.Join(", ", OptimizerChoices.Where(Optimizers.Contains)) };
        if (Optimizers.Contains(OptimizerCatalog.Sgd)) parts.Add($"SGD lr {SgdLr:G3}");
        if (Optimizers.Contains(OptimizerCatalog.Adam)) parts.Add($"Adam lr {AdamLr:G3}" + (AdamBeta2 is { } beta2 ? $", β₂ {beta2:G4}" : ""));
        if (Dropout is { } dropout) parts.Add($"dropout {dropout:G3}");
        return string.Join(" · ", parts);
    }

    /// <summary>The tuning grids of the preset; MoMo-Adam's cap grid joins them when MoMo-Adam is among the chosen optimizers.</summary>
    public ExperimentOverrides TuningOverrides() => new()
    {
        Preset = Preset,
        Optimizers = Optimizers.Contains(OptimizerCatalog.MomoAdam) ? [OptimizerCatalog.MomoAdam] : null,
    };
}
