namespace PolyakCore.Text;

/// <summary>The exact entropy rate of a <see cref="ChildSpeechGenerator"/>: the best loss any model can reach on its corpus.</summary>
/// <remarks>
/// Lines are independent, so the rate is H(line) / E[line length] nats per character (the newline ends a line, so
/// the lines of a text are read off it unambiguously). A line is n phrases w₁…wₙ joined by spaces plus a newline.
/// When no line can be spelled by two different phrase sequences, H(line) = H(N) + E[N]·H(phrase) and
/// E[length] = E[N]·(E[phrase length] + 1), exactly. Whether that holds is the unique decodability of the code
/// {w + " "} (a line plus a trailing space is its phrases' codewords in a row), which the Sardinas–Patterson test decides
/// (Sardinas &amp; Patterson 1953). Identical phrases are merged first. An ambiguous list (e.g. "Me", "too" and "Me too")
/// is summed over every phrase sequence instead, up to <see cref="MaxEnumerated"/> sequences.
/// </remarks>
public static class GeneratorEntropy
{
    /// <summary>The most phrase sequences an ambiguous list may be enumerated over (well under a second, tens of MB:
    /// the floor is served to anyone who asks).</summary>
    public const long MaxEnumerated = 250_000;

    /// <summary>The floor in nats per character.</summary>
    public static double Floor(ChildSpeechGenerator generator)
    {
        if (Unresolvable(generator) is { } why) throw new ArgumentException(why, nameof(generator));
        var phrases = Merged(generator);
        var counts = generator.LineCounts();
        double meanCount = counts.Sum(c => c.Count * c.Probability);
        if (IsUniquelyDecodable(phrases.Keys))
        {
            double phraseEntropy = -phrases.Values.Sum(p => p * Math.Log(p));
            double countEntropy = -counts.Sum(c => c.Probability * Math.Log(c.Probability));
            double meanPhrase = phrases.Sum(p => p.Value * p.Key.Length);
            return (countEntropy + meanCount * phraseEntropy) / (meanCount * (meanPhrase + 1));
        }
        var lines = Enumerate(phrases, counts);
        double entropy = -lines.Values.Sum(p => p * Math.Log(p));
        double meanLength = lines.Sum(l => l.Value * l.Key.Length);
        return entropy / meanLength;
    }

    /// <summary>Why the floor cannot be computed exactly for these settings, or null when it can.</summary>
    public static string? Unresolvable(ChildSpeechGenerator generator)
    {
        var phrases = Merged(generator);
        if (IsUniquelyDecodable(phrases.Keys)) return null;
        long sequences = generator.LineCounts().Sum(c => (long)Math.Min(Math.Pow(phrases.Count, c.Count), long.MaxValue / 8));
        return sequences <= MaxEnumerated ? null
            : $"Some lines can be spelled by two different phrase sequences (e.g. {Ambiguity(phrases.Keys)}), and with {phrases.Count} phrases the exact floor would need {sequences:N0} sequences summed; make the phrases unambiguous or the list shorter.";
    }

    /// <summary>Distinct phrases and their summed probabilities.</summary>
    public static Dictionary<string, double> Merged(ChildSpeechGenerator generator)
    {
        var probabilities = generator.PhraseProbabilities();
        var merged = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int i = 0; i < probabilities.Length; i++)
            merged[generator.PhraseList[i]] = merged.GetValueOrDefault(generator.PhraseList[i]) + probabilities[i];
        return merged;
    }

    /// <summary>Every line and its probability, phrase sequences that spell the same line summed.</summary>
    public static Dictionary<string, double> Enumerate(IReadOnlyDictionary<string, double> phrases, IReadOnlyList<(int Count, double Probability)> counts)
    {
        var lines = new Dictionary<string, double>(StringComparer.Ordinal);
        var list = phrases.ToArray();
        foreach (var (count, probability) in counts)
        {
            void Extend(string prefix, int left, double p)
            {
                if (left == 0) { var line = prefix + "\n"; lines[line] = lines.GetValueOrDefault(line) + p; return; }
                foreach (var (phrase, q) in list) Extend(prefix.Length == 0 ? phrase : prefix + " " + phrase, left - 1, p * q);
            }
            Extend("", count, probability);
        }
        return lines;
    }

    /// <summary>Sardinas–Patterson: no sequence of the codewords {phrase + " "} can be read two ways.</summary>
    public static bool IsUniquelyDecodable(IEnumerable<string> phrases) => FindDanglingCodeword(phrases) is null;

    // The first dangling suffix that is itself a codeword (the code is then ambiguous), or null.
    private static string? FindDanglingCodeword(IEnumerable<string> phrases)
    {
        var code = phrases.Select(p => p + " ").ToHashSet(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>();
        void Add(string suffix) { if (suffix.Length > 0 && seen.Add(suffix)) queue.Enqueue(suffix); }
        foreach (var u in code)
            foreach (var v in code)
                if (v.Length > u.Length && v.StartsWith(u, StringComparison.Ordinal)) Add(v[u.Length..]);
        while (queue.Count > 0)
        {
            var s = queue.Dequeue();
            if (code.Contains(s)) return s;
            foreach (var u in code)
            {
                if (s.Length > u.Length && s.StartsWith(u, StringComparison.Ordinal)) Add(s[u.Length..]);
                else if (u.Length > s.Length && u.StartsWith(s, StringComparison.Ordinal)) Add(u[s.Length..]);
            }
        }
        return null;
    }

    private static string Ambiguity(IEnumerable<string> phrases) =>
        FindDanglingCodeword(phrases) is { } s ? $"one ending in '{s.TrimEnd()}'" : "two readings";
}
