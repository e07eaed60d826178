namespace PolyakCore.Text;

/// <summary>A character and its probability.</summary>
public sealed record CharProbability(char Character, double Probability);

/// <summary>The CPU side of sampling, on a vocabulary-sized array: at batch 1 a few dozen numbers in C# cost far less
/// than the ~4 µs each tensor op would, and the draws come from our own <see cref="Random"/>, not torch's global generator.</summary>
public static class SamplingMath
{
    /// <summary>softmax(logits / temperature), in double.</summary>
    public static double[] Softmax(ReadOnlySpan<float> logits, double temperature = 1.0)
    {
        float max = float.NegativeInfinity;
        foreach (var l in logits) max = Math.Max(max, l);
        var p = new double[logits.Length];
        double sum = 0;
        for (int i = 0; i < p.Length; i++) sum += p[i] = Math.Exp((logits[i] - max) / temperature);
        for (int i = 0; i < p.Length; i++) p[i] /= sum;
        return p;
    }

    /// <summary>Zeroes every probability outside the top <paramref name="topK"/>, then outside the nucleus of mass
    /// <paramref name="topP"/> (of what top-k left), and renormalises; in place. Ties rank the lower index first.</summary>
    /// <remarks>The nucleus is the smallest set of likeliest entries whose mass is at least p, as in Hugging Face's
    /// TopPLogitsWarper: the entry that crosses p is kept, and the likeliest one always is.</remarks>
    public static void Filter(double[] p, int? topK, double? topP)
    {
        bool cutK = topK is { } k && k < p.Length, cutP = topP is { } q && q < 1;
        if (!cutK && !cutP) return;
        var order = Ranking(p);
        int keep = cutK ? Math.Max(1, topK!.Value) : p.Length;
        if (cutP)
        {
            double kept = 0;
            for (int i = 0; i < keep; i++) kept += p[order[i]];
            double cumulative = 0;
            for (int i = 0; i < keep; i++)
            {
                cumulative += p[order[i]] / kept;
                if (cumulative >= topP!.Value) { keep = i + 1; break; }
            }
        }
        for (int i = keep; i < order.Length; i++) p[order[i]] = 0;
        double sum = 0;
        foreach (var v in p) sum += v;
        for (int i = 0; i < p.Length; i++) p[i] /= sum;
    }

    /// <summary>Inverse-CDF draw in index order: the first index whose cumulative probability exceeds u·Σp, u in [0, 1).</summary>
    public static int Draw(double[] p, double u)
    {
        double total = 0;
        foreach (var v in p) total += v;
        double target = u * total, cumulative = 0;
        int last = 0;
        for (int i = 0; i < p.Length; i++)
        {
            if (p[i] <= 0) continue;
            cumulative += p[i];
            last = i;
            if (target < cumulative) return i;
        }
        return last;                                   // rounding left u·Σp at the very top
    }

    /// <summary>The <paramref name="n"/> likeliest entries, likeliest first.</summary>
    public static CharProbability[] Top(double[] p, int n, CharTokenizer tokenizer) =>
        [.. Ranking(p).Take(n).Select(i => new CharProbability(tokenizer.Decode(i), p[i]))];

    /// <summary>Indices by falling probability, ties by index.</summary>
    private static int[] Ranking(double[] p)
    {
        var order = new int[p.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, (a, b) => p[b].CompareTo(p[a]) is var c && c != 0 ? c : a.CompareTo(b));
        return order;
    }
}
