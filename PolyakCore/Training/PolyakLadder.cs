using System.Globalization;
using System.Text;
using PolyakCore.Text;

namespace PolyakCore.Training;

/// <summary>A stored measurement of <see cref="PolyakStepProbe"/> over a ladder of model sizes: where and on what it ran,
/// the corpus's unigram loss (the level a model that ignores context reaches) and every rung's steps.</summary>
public sealed record PolyakLadder(string Machine, DateTimeOffset MeasuredAt, int Seed, string Corpus, int Vocabulary,
    double UnigramLoss, IReadOnlyList<ProbeResult> Results)
{
    /// <summary>Measures <paramref name="rungs"/> × <paramref name="batches"/> on <paramref name="corpus"/>.</summary>
    public static PolyakLadder Measure(TextCorpus corpus, IReadOnlyList<ProbeRung> rungs, IReadOnlyList<int> batches, int seed = 0,
        Action<ProbeResult>? progress = null, CancellationToken cancel = default) =>
        new(MachineName(), DateTimeOffset.UtcNow, seed, corpus.Name, corpus.Tokenizer.Size, UnigramEntropy(corpus.Train),
            PolyakStepProbe.MeasureLadder(corpus, rungs, batches, seed, progress, cancel));

    /// <summary>ln of the vocabulary size: the loss of a uniform guess, about where every fresh model starts.</summary>
    public double UniformLoss => Math.Log(Vocabulary);

    /// <summary>The batch sizes measured, ascending.</summary>
    public IReadOnlyList<int> Batches => [.. Results.Select(r => r.Batch).Distinct().Order()];

    /// <summary>Every step of every rung as CSV (one row per step), for a spreadsheet or a plot of one's own.</summary>
    public string ToCsv()
    {
        var csv = new StringBuilder("rung,n_embd,n_head,n_layer,block,dropout,parameters,batch,step,loss,grad_norm_sq,polyak_step,seconds_per_step\n");
        foreach (var r in Results)
            foreach (var s in r.Steps)
                csv.Append(CultureInfo.InvariantCulture, $"{r.Rung},{r.NEmbd},{r.NHead},{r.NLayer},{r.Block},{r.Dropout},{r.Parameters},{r.Batch},{s.Step},{s.Loss:R},{s.GradNormSq:R},{s.StepSize:R},{r.SecondsPerStep:R}\n");
        return csv.ToString();
    }

    /// <summary>Cross-entropy of the text under its own character frequencies (nats per character).</summary>
    public static double UnigramEntropy(string text)
    {
        if (text.Length == 0) return 0;
        var counts = new Dictionary<char, int>();
        foreach (var c in text) counts[c] = counts.GetValueOrDefault(c) + 1;
        return -counts.Values.Sum(n => (double)n / text.Length * Math.Log((double)n / text.Length));
    }

    private static string MachineName()
    {
        try
        {
            var model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (model is not null) return $"{model[(model.IndexOf(':') + 1)..].Trim()}, {Environment.ProcessorCount} cores";
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return $"{Environment.ProcessorCount} cores";
    }
}
