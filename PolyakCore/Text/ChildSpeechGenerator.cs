using System.Globalization;
using System.Text;

namespace PolyakCore.Text;

/// <summary>How the synthetic child-speech corpus is drawn: which phrases, how many per line, and how skewed their
/// frequencies are. The defaults (all null/0) are the course's shape: two phrases a line, drawn uniformly from
/// <see cref="ChildSpeechCorpus.Phrases"/>, and they generate exactly the same bytes as before these settings existed.</summary>
public sealed record ChildSpeechGenerator
{
    public const int MaxPhrases = 500, MaxPhraseLength = 120, MaxPhrasesPerLine = 6;
    public const double MaxZipf = 4;
    /// <summary>Distinct characters the phrases may use (a character model's vocabulary; speech needs far fewer).</summary>
    public const int MaxCharacters = 500;

    /// <summary>The phrase list (null: the built-in list). Listed order is frequency rank for <see cref="Zipf"/>.</summary>
    public IReadOnlyList<string>? Phrases { get; init; }

    /// <summary>Relative frequencies of lines of 1, 2, 3, … phrases (null: always 2). E.g. [4, 3, 2, 1].</summary>
    public IReadOnlyList<double>? PhrasesPerLine { get; init; }

    /// <summary>Zipf exponent s: the phrase of rank k is drawn with probability ∝ k^−s (0, the default: uniformly).</summary>
    public double Zipf { get; init; }

    public static ChildSpeechGenerator Default { get; } = new();

    public IReadOnlyList<string> PhraseList => Phrases ?? ChildSpeechCorpus.Phrases;

    /// <summary>True for the course's shape (the bytes of the original generator).</summary>
    public bool IsDefault => Phrases is null && Zipf == 0 && LineCounts() is [(2, 1.0)];

    /// <summary>Probability of each listed phrase (by list position; duplicates each keep their own share).</summary>
    public double[] PhraseProbabilities()
    {
        int k = PhraseList.Count;
        var weights = new double[k];
        for (int i = 0; i < k; i++) weights[i] = Zipf == 0 ? 1.0 : Math.Pow(i + 1, -Zipf);
        double total = weights.Sum();
        return [.. weights.Select(w => w / total)];
    }

    /// <summary>The phrases-per-line distribution as (count, probability) for the counts that can occur.</summary>
    public IReadOnlyList<(int Count, double Probability)> LineCounts()
    {
        if (PhrasesPerLine is null) return [(2, 1.0)];
        double total = PhrasesPerLine.Sum();
        return [.. PhrasesPerLine.Select((w, i) => (Count: i + 1, Probability: w / total)).Where(c => c.Probability > 0)];
    }

    /// <summary>What is wrong with these settings, as (field, message); empty when they can generate a corpus.</summary>
    public IReadOnlyList<(string Field, string Message)> Problems()
    {
        var problems = new List<(string, string)>();
        if (Phrases is { } phrases)
        {
            if (phrases.Count is < 1 or > MaxPhrases) problems.Add(("phrases", $"Give 1 to {MaxPhrases} phrases; got {phrases.Count}."));
            foreach (var p in phrases.Take(MaxPhrases + 1))
            {
                if (string.IsNullOrWhiteSpace(p) || p.Length > MaxPhraseLength || p != p.Trim() || p.Any(char.IsControl))
                {
                    problems.Add(("phrases", $"Each phrase is 1–{MaxPhraseLength} characters of text without leading or trailing spaces or control characters; '{Shorten(p)}' is not."));
                    break;
                }
            }
            int characters = phrases.Take(MaxPhrases + 1).SelectMany(p => p ?? "").Append(' ').Distinct().Count();
            if (characters > MaxCharacters) problems.Add(("phrases", $"The phrases use {characters} distinct characters; at most {MaxCharacters}."));
        }
        if (PhrasesPerLine is { } perLine)
        {
            if (perLine.Count is < 1 or > MaxPhrasesPerLine)
                problems.Add(("phrasesPerLine", $"Give the relative frequency of lines of 1 to at most {MaxPhrasesPerLine} phrases; got {perLine.Count} numbers."));
            else if (perLine.Any(w => !double.IsFinite(w) || w < 0) || perLine.Sum() <= 0)
                problems.Add(("phrasesPerLine", "Frequencies are non-negative numbers, at least one of them positive."));
        }
        if (!double.IsFinite(Zipf) || Zipf < 0 || Zipf > MaxZipf)
            problems.Add(("zipf", $"The Zipf exponent is between 0 (uniform) and {MaxZipf}; got {Zipf.ToString(CultureInfo.InvariantCulture)}."));
        if (problems.Count == 0 && GeneratorEntropy.Unresolvable(this) is { } why) problems.Add(("phrases", why));
        return problems;
    }

    /// <summary>A key that names these settings exactly (for caches).</summary>
    public string Key()
    {
        if (IsDefault) return "default";
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"z{Zipf:R};n");
        foreach (var (count, p) in LineCounts()) text.Append(CultureInfo.InvariantCulture, $"{count}:{p:R},");
        text.Append(";p").Append(Phrases is null ? "built-in" : Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', Phrases)))));
        return text.ToString();
    }

    /// <summary>One line for lists, e.g. "1–4 phrases a line (weights 4:3:2:1), Zipf 1, 50 built-in phrases".</summary>
    public string Describe()
    {
        var counts = LineCounts();
        string perLine = counts is [var only] ? $"{only.Count} phrase{(only.Count == 1 ? "" : "s")} a line"
            : $"{counts[0].Count}–{counts[^1].Count} phrases a line (weights {string.Join(":", PhrasesPerLine!.Select(w => w.ToString("G3", CultureInfo.InvariantCulture)))})";
        string skew = Zipf == 0 ? "drawn uniformly" : $"Zipf {Zipf.ToString("G3", CultureInfo.InvariantCulture)}";
        return $"{perLine}, {skew}, from {(Phrases is null ? "the built-in list of" : "a list of")} {PhraseList.Count} phrases";
    }

    private static string Shorten(string? s) => s is null ? "" : s.Length > 30 ? s[..30] + "…" : s;
}
