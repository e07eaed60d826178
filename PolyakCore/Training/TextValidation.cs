using PolyakCore.Shared;
using PolyakCore.Text;

namespace PolyakCore.Training;

/// <summary>The child-speech part of <see cref="RunValidation"/>: sizes, corpus names, evaluation.</summary>
internal static class TextValidation
{
    public static void Validate(RunRequest request, RunLimits limits, Action<string, string> error)
    {
        var o = request.ProblemOptions?.Text ?? new TextOptions();
        const string prefix = "problemOptions.text.";
        var preset = GptPreset.Find(o.Preset ?? GptPreset.Tiny);
        if (preset is null)
            error(prefix + "preset", $"Unknown preset '{o.Preset}'. Known: {string.Join(", ", GptPreset.All.Select(p => p.Name))}.");
        if (o.Corpus is { } corpus && !CorpusLibrary.IsSafeName(corpus))
            error(prefix + "corpus", $"'{corpus}' is not a corpus name (letters, digits, '-', '_' and '.').");
        if (o.Generator is { } generator)
        {
            if ((o.Corpus is { } named && named != ChildSpeechCorpus.Name) || o.CorpusPath is not null)
                error(prefix + "generator", "Generator settings shape the built-in child-speech corpus only; an uploaded corpus is used as it is.");
            foreach (var (field, message) in generator.Problems()) error(prefix + "generator." + field, message);
        }
        if (o.CorpusPath is not null && !limits.AllowCorpusPaths)
            error(prefix + "corpusPath", "This server does not read corpus files by path; upload the corpus and name it instead.");

        bool sizesOk = true;
        void Range(int? value, string field, int min, int max)
        {
            if (value is { } v && (v < min || v > max)) { error(prefix + field, $"Must be between {min} and {max:N0}; got {v}."); sizesOk = false; }
        }
        Range(o.NEmbd, "nEmbd", 8, 2048);
        Range(o.NHead, "nHead", 1, 64);
        Range(o.NLayer, "nLayer", 1, 48);
        Range(o.Block, "block", 8, 1024);
        Range(o.EvalBatches, "evalBatches", 1, 200);
        if (o.Dropout is { } d && !(d >= 0 && d < 1)) error(prefix + "dropout", $"Dropout must be in [0, 1); got {d}.");
        if (preset is not null && sizesOk)
        {
            int embd = o.NEmbd ?? preset.NEmbd, heads = o.NHead ?? preset.NHead;
            if (embd % heads != 0)
                error(prefix + "nHead", $"The width {embd} must be a multiple of the number of heads ({heads}).");
            // The vocabulary is not known before the corpus is read; 100 characters is generous for speech.
            var size = new GptConfig(100, embd, heads, o.NLayer ?? preset.NLayer, o.Block ?? preset.Block, 0).ParameterCount;
            if (size > limits.MaxModelParameters)
                error(prefix + "nEmbd", $"This model has about {size:N0} parameters; the limit is {limits.MaxModelParameters:N0}.");
            else
            {
                // One sequence is the smallest pass there is: it must stay short enough for a cancel to land within a second.
                var model = new GptConfig(100, embd, heads, o.NLayer ?? preset.NLayer, o.Block ?? preset.Block, 0);
                if (TextTrainer.RowFlops(model) > TextTrainer.MaxRowFlops)
                    error(prefix + "block", $"One {model.Block:N0}-character sequence through this model is about {TextTrainer.RowFlops(model) / 1e9:N0} GFLOP, " +
                        $"more than one pass may take ({TextTrainer.MaxRowFlops / 1e9:N0}); use a shorter block or a smaller model.");
            }
        }
        if (request.BatchSize < 1 || request.BatchSize > limits.MaxTextBatch)
            error("batchSize", $"Batch size must be between 1 and {limits.MaxTextBatch}; got {request.BatchSize}.");
        if (request.Epochs < 1 || request.Epochs > limits.MaxTextEpochs)
            error("epochs", $"Epochs must be between 1 and {limits.MaxTextEpochs:N0}; got {request.Epochs}.");
        if (request.ProblemOptions?.Points is not null || request.ProblemOptions?.Start is not null)
            error("problemOptions", "points and start do not apply to the child-speech problem.");
        if (request.Reduction != Reduction.Mean)
            error("reduction", "The character model's loss is the mean cross-entropy per character.");
    }

    /// <summary>Runs:Limits as for the small problems (steps; samples, here sequences), plus the compute budget. The
    /// steps never exceed what an int counts, whatever MaxSteps says.</summary>
    public static IReadOnlyList<FieldError> ValidateSize(RunRequest request, TextPlan plan, RunLimits limits)
    {
        var errors = new List<FieldError>();
        long maxSteps = Math.Min(limits.MaxSteps, int.MaxValue);
        if (plan.TotalSteps > maxSteps)
            errors.Add(new("epochs", $"This run would take {plan.TotalSteps:N0} steps ({plan.IterationsPerEpoch:N0} an epoch); the limit is {maxSteps:N0}: use fewer epochs or a larger batch."));
        else if (plan.Samples(request.BatchSize) > limits.MaxSamples)
            errors.Add(new("epochs", $"This run would train on {plan.Samples(request.BatchSize):N0} sequences; the limit is {limits.MaxSamples:N0}: use fewer epochs."));
        else if (plan.Compute(request.BatchSize) > limits.MaxTextCompute)
            errors.Add(new("epochs", $"This run is {plan.Compute(request.BatchSize):G3} parameter-characters of work ({plan.Config.ParameterCount:N0} parameters × " +
                $"{plan.TotalSteps * request.BatchSize * (double)plan.Config.Block:G3} characters); the limit is {limits.MaxTextCompute:G3}: use fewer epochs or a smaller model."));
        return errors;
    }
}
