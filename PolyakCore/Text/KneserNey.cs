namespace PolyakCore.Text;

/// <summary>Character n-gram models with interpolated Kneser–Ney smoothing, trained once on a text for every order up to
/// <see cref="MaxOrder"/>; a strong classical baseline for a character GPT's loss.</summary>
/// <remarks>
/// P(w | h) = max(c(hw) − D, 0)/c(h·) + D·N₁₊(h·)/c(h·) · P(w | h′), h′ = h without its first character, where the
/// highest order counts occurrences and every lower order counts continuations N₁₊(·hw) (how many different characters
/// precede hw), and the recursion ends in the uniform distribution over the vocabulary, so a character never seen in
/// training still has probability D·N₁₊(·)/N · 1/V. A context never seen backs off whole. D per order and count kind
/// is Ney's estimate n₁/(n₁ + 2n₂) from the counts of counts. Kneser &amp; Ney, ICASSP 1995; Chen &amp; Goodman,
/// "An empirical study of smoothing techniques for language modeling", 1999 (interpolated KN did best of those they tried).
/// Grams are packed 10 bits a character into a ulong (vocabularies up to 1,024 characters, orders up to 6).
/// </remarks>
public sealed class KneserNey
{
    public const int MaxOrder = 6, MaxVocabulary = 1024;
    private const int Bits = 10;
    private readonly Table[] _raw, _continuation;      // index k: grams of k characters (1 ≤ k ≤ order)
    private readonly double? _fixedDiscount;

    private KneserNey(int vocabulary, int order, Table[] raw, Table[] continuation, double? discount)
    {
        Vocabulary = vocabulary;
        Order = order;
        _raw = raw;
        _continuation = continuation;
        _fixedDiscount = discount;
    }

    public int Vocabulary { get; }
    public int Order { get; }

    /// <summary>Counts every gram of up to <paramref name="order"/> characters of <paramref name="ids"/> (ids below <paramref name="vocabulary"/>).</summary>
    /// <param name="discount">A fixed D for every table (null: Ney's estimate per table).</param>
    public static KneserNey Train(IReadOnlyList<int> ids, int vocabulary, int order, double? discount = null)
    {
        if (order < 1 || order > MaxOrder) throw new ArgumentOutOfRangeException(nameof(order), $"Invalid order: {order} (1 to {MaxOrder}).");
        if (vocabulary < 1 || vocabulary > MaxVocabulary) throw new ArgumentOutOfRangeException(nameof(vocabulary), $"Invalid vocabulary: {vocabulary} (1 to {MaxVocabulary}).");
        if (discount is { } d && !(d > 0 && d < 1)) throw new ArgumentOutOfRangeException(nameof(discount), $"Invalid discount: {d} (between 0 and 1).");
        var raw = new Table[order + 1];
        for (int k = 1; k <= order; k++) raw[k] = new Table();
        for (int i = 0; i < ids.Count; i++)
        {
            if ((uint)ids[i] >= (uint)vocabulary) throw new ArgumentOutOfRangeException(nameof(ids), $"Invalid id {ids[i]} at {i} (vocabulary {vocabulary}).");
            ulong gram = 0;
            for (int k = 1; k <= order && k <= i + 1; k++)
            {
                gram |= (ulong)ids[i - k + 1] << (Bits * (k - 1));       // the last character in the lowest bits
                raw[k].Add(gram, 1);
            }
        }
        var continuation = new Table[order + 1];
        for (int k = 1; k < order; k++)
        {
            continuation[k] = new Table();
            ulong mask = (1UL << (Bits * k)) - 1;
            foreach (var gram in raw[k + 1].Counts.Keys) continuation[k].Add(gram & mask, 1);   // one per distinct preceding character
        }
        for (int k = 1; k <= order; k++) { raw[k].Summarise(); continuation[k]?.Summarise(); }
        return new KneserNey(vocabulary, order, raw, continuation, discount);
    }

    /// <summary>P(next | the characters before it), with the model of order <paramref name="order"/> (at most <see cref="Order"/>);
    /// <paramref name="context"/> may be shorter than order − 1 (then the model of the order it allows is used).</summary>
    public double Probability(ReadOnlySpan<int> context, int next, int order)
    {
        if (order < 1 || order > Order) throw new ArgumentOutOfRangeException(nameof(order), $"Invalid order: {order} (1 to {Order}).");
        int top = Math.Min(order, context.Length + 1);
        double p = 1.0 / Vocabulary;
        ulong history = 0;                                            // the k − 1 characters before next, last lowest
        for (int k = 1; k <= top; k++)
        {
            if (k > 1) history |= (ulong)context[context.Length - (k - 1)] << (Bits * (k - 2));
            var table = k == top ? _raw[k] : _continuation[k];
            if (!table.Contexts.TryGetValue(history, out var c) || c.Total == 0) continue;    // unseen context: back off whole
            double d = _fixedDiscount ?? table.Discount;
            double count = table.Counts.GetValueOrDefault((history << Bits) | (uint)next);
            p = Math.Max(count - d, 0) / c.Total + d * c.Types / c.Total * p;
        }
        return p;
    }

    /// <summary>Mean −ln P over every character of <paramref name="ids"/> but the first, each given up to order − 1
    /// characters before it in <paramref name="ids"/> (nats per character).</summary>
    public double CrossEntropy(IReadOnlyList<int> ids, int order)
    {
        if (ids.Count < 2) return double.NaN;
        var buffer = ids as int[] ?? [.. ids];
        double sum = 0;
        for (int i = 1; i < buffer.Length; i++)
        {
            int start = Math.Max(0, i - (order - 1));
            sum -= Math.Log(Probability(buffer.AsSpan(start, i - start), buffer[i], order));
        }
        return sum / (buffer.Length - 1);
    }

    /// <summary>The counts of one gram length: per gram, and per context (the gram without its last character) the
    /// total and the number of different next characters.</summary>
    private sealed class Table
    {
        public Dictionary<ulong, int> Counts { get; } = [];
        public Dictionary<ulong, (double Total, int Types)> Contexts { get; } = [];
        public double Discount { get; private set; } = 0.75;

        public void Add(ulong gram, int n) => Counts[gram] = Counts.GetValueOrDefault(gram) + n;

        public void Summarise()
        {
            long n1 = 0, n2 = 0;
            foreach (var (gram, count) in Counts)
            {
                ulong context = gram >> Bits;
                var c = Contexts.GetValueOrDefault(context);
                Contexts[context] = (c.Total + count, c.Types + 1);
                if (count == 1) n1++; else if (count == 2) n2++;
            }
            if (n1 > 0 && n1 + 2 * n2 > 0) Discount = Math.Clamp((double)n1 / (n1 + 2 * n2), 0.05, 0.95);
        }
    }
}
