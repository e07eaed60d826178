using System.Diagnostics;
using PolyakCore.Optimization;
using PolyakCore.Text;

namespace PolyakCore.Training;

/// <summary>One model size of the ladder: the sizes of a character GPT and how many Polyak steps to measure on it.</summary>
public sealed record ProbeRung(string Name, int NEmbd, int NHead, int NLayer, int Block, double Dropout, int Steps)
{
    public GptConfig Config(int vocabulary) => new(vocabulary, NEmbd, NHead, NLayer, Block, Dropout);
}

/// <summary>One measured step: the mini-batch loss f, ‖g‖² and the Polyak step (f − f*)/‖g‖² taken from them.</summary>
public sealed record ProbeStep(int Step, double Loss, double GradNormSq, double StepSize);

/// <summary>The first steps of Polyak SGD (f* = 0, no cap) on one rung at one batch size, and the time a step took.</summary>
public sealed record ProbeResult(string Rung, int NEmbd, int NHead, int NLayer, int Block, double Dropout, long Parameters, int Batch,
    double SecondsPerStep, IReadOnlyList<ProbeStep> Steps)
{
    public ProbeStep First => Steps[0];
    /// <summary>Median Polyak step over the measured steps (robust to the one-step spikes).</summary>
    public double MedianStep => Median(Steps.Select(s => s.StepSize));
    public double MedianGradNormSq => Median(Steps.Select(s => s.GradNormSq));
    public double MaxStep => Steps.Max(s => s.StepSize);
    /// <summary>The highest mini-batch loss after the first step: above the first one means the steps threw the model back.</summary>
    public double MaxLossAfterFirst => Steps.Skip(1).Select(s => s.Loss).DefaultIfEmpty(double.NaN).Max();
    public double LastLoss => Steps[^1].Loss;

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(double.IsFinite).Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}

/// <summary>Why Polyak SGD with f* = 0 does or does not train a character GPT, measured: the step (f − 0)/‖g‖² over the first
/// steps of a real Polyak SGD run, for a ladder of model sizes and batch sizes. At the start f ≈ ln(vocabulary) whatever the
/// model, so the step is set by ‖g‖², which depends on the model's width, depth and the batch.</summary>
/// <remarks>Each step is exactly a training step of <see cref="TextTrainer"/> (same batches, same mean loss, same optimizer).</remarks>
public static class PolyakStepProbe
{
    /// <summary>From the tiny preset to the report's model; after <c>small</c> each rung changes one size of the one before
    /// (from small: width and dropout; then depth, width, context), so the data can tell them apart. Larger rungs take fewer steps (a report-size
    /// step is seconds on 2 cores).</summary>
    public static IReadOnlyList<ProbeRung> DefaultLadder { get; } =
    [
        new("tiny", 96, 4, 3, 128, 0.0, 40),
        new("small", 128, 4, 4, 128, 0.1, 30),
        new("256/8/4", 256, 8, 4, 128, 0.2, 12),      // wider than small (and the report's dropout)
        new("256/8/6", 256, 8, 6, 128, 0.2, 10),      // deeper
        new("384/6/6", 384, 6, 6, 128, 0.2, 6),       // wider: the report's model with a 128-character context
        new("report", 384, 6, 6, 256, 0.2, 4),        // the report's context
    ];

    public static IReadOnlyList<int> DefaultBatches { get; } = [16, 32];

    /// <summary>Runs <paramref name="rung"/>.Steps steps of Polyak SGD (f* = 0, no cap) from the model's initialisation.</summary>
    /// <remarks>The first step's time is left out of <see cref="ProbeResult.SecondsPerStep"/> (allocation and kernel warm-up).</remarks>
    public static ProbeResult Measure(TextCorpus corpus, ProbeRung rung, int batch, int seed = 0, CancellationToken cancel = default)
    {
        if (rung.Steps < 1) throw new ArgumentException($"Invalid step count: {rung.Steps}", nameof(rung));
        if (batch < 1) throw new ArgumentException($"Invalid batch size: {batch}", nameof(batch));
        var config = rung.Config(corpus.Tokenizer.Size);
        using var model = new CharGpt(config, seed);
        using var batches = new TextBatches(corpus.Tokenizer.Encode(corpus.Train), config.Block, batch, seed);
        using var optimizer = OptimizerCatalog.Create(OptimizerCatalog.PolyakSgd, new OptimizerSettings { FStar = 0.0 }, model.parameters());
        int rows = TextTrainer.RowsPerPass(config, batch), evaluationRows = TextTrainer.RowsPerPass(config, 64, forwardOnly: true);
        model.train();
        var steps = new List<ProbeStep>(rung.Steps);
        double timed = 0;
        for (int i = 1; i <= rung.Steps; i++)
        {
            cancel.ThrowIfCancellationRequested();
            long start = Stopwatch.GetTimestamp();
            var record = TextTrainer.TrainStep(model, optimizer, batches, rows, evaluationRows, cancel);
            if (i > 1 || rung.Steps == 1) timed += Stopwatch.GetElapsedTime(start).TotalSeconds;
            steps.Add(new ProbeStep(i, record.Loss, record.GradNormSq, record.StepSize));
            if (!double.IsFinite(record.Loss)) break;           // diverged: the rest would be NaN
        }
        int counted = Math.Max(1, steps.Count - (rung.Steps == 1 ? 0 : 1));
        return new ProbeResult(rung.Name, rung.NEmbd, rung.NHead, rung.NLayer, rung.Block, rung.Dropout, config.ParameterCount, batch,
            timed / counted, steps);
    }

    /// <summary>Every rung at every batch size, smallest first; <paramref name="progress"/> hears of each result.</summary>
    public static IReadOnlyList<ProbeResult> MeasureLadder(TextCorpus corpus, IReadOnlyList<ProbeRung> rungs, IReadOnlyList<int> batches,
        int seed = 0, Action<ProbeResult>? progress = null, CancellationToken cancel = default)
    {
        var results = new List<ProbeResult>();
        foreach (var rung in rungs)
            foreach (var batch in batches)
            {
                var result = Measure(corpus, rung, batch, seed, cancel);
                results.Add(result);
                progress?.Invoke(result);
            }
        return results;
    }
}
