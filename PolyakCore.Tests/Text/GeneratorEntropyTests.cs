using PolyakCore.Text;

namespace PolyakCore.Tests.Text;

public class GeneratorEntropyTests
{
    /// <summary>The original generator, as it was before the settings: two uniform phrases a line.</summary>
    private static string OriginalGenerate(int count, int seed)
    {
        var phrases = ChildSpeechCorpus.Phrases;
        var random = new Random(seed);
        var text = new System.Text.StringBuilder();
        for (int i = 0; i < count; i++)
            text.Append(phrases[random.Next(phrases.Count)]).Append(' ').Append(phrases[random.Next(phrases.Count)]).Append('\n');
        return text.ToString();
    }

    /// <summary>The floor by brute force: every phrase sequence enumerated, identical lines merged, written independently.</summary>
    private static double BruteForceFloor(ChildSpeechGenerator g)
    {
        var p = g.PhraseProbabilities();
        var lines = new Dictionary<string, double>();
        foreach (var (count, pc) in g.LineCounts())
        {
            var index = new int[count];
            while (true)
            {
                double prob = pc;
                var words = new string[count];
                for (int j = 0; j < count; j++) { prob *= p[index[j]]; words[j] = g.PhraseList[index[j]]; }
                var line = string.Join(" ", words) + "\n";
                lines[line] = lines.GetValueOrDefault(line) + prob;
                int k = count - 1;
                while (k >= 0 && ++index[k] == p.Length) index[k--] = 0;
                if (k < 0) break;
            }
        }
        Assert.Equal(1.0, lines.Values.Sum(), 1e-12);
        return -lines.Values.Sum(q => q * Math.Log(q)) / lines.Sum(l => l.Value * l.Key.Length);
    }

    [Fact]
    public void DefaultSettingsGenerateTheOriginalBytesAndFloor()
    {
        Assert.True(ChildSpeechGenerator.Default.IsDefault);
        Assert.True(new ChildSpeechGenerator { PhrasesPerLine = [0, 3] }.IsDefault);     // "always 2" however written
        Assert.Equal(OriginalGenerate(10_000, 0), ChildSpeechCorpus.Generate(10_000, 0));
        Assert.Equal(OriginalGenerate(3_000, 42), ChildSpeechCorpus.Generate(3_000, 42, new ChildSpeechGenerator { PhrasesPerLine = [0, 1] }));
        Assert.Equal(OriginalGenerate(10_000, 0), TextCorpus.ChildSpeech().Text);
        // The closed form (the list is uniquely decodable) equals the K² enumeration the floor used to be.
        Assert.True(GeneratorEntropy.IsUniquelyDecodable(ChildSpeechCorpus.Phrases));
        Assert.Equal(BruteForceFloor(ChildSpeechGenerator.Default), ChildSpeechCorpus.EntropyFloor(), 1e-12);
    }

    public static TheoryData<string[], double[]?, double> SmallSettings => new()
    {
        { ["Hi", "No more", "Big truck go"], null, 0.0 },
        { ["Hi", "No more", "Big truck go"], [4, 3, 2, 1], 1.0 },
        { ["Hi", "No more", "Big truck go", "Mama"], [1, 0, 1], 2.5 },
        { ["Hi", "Hi", "Up"], [1, 1], 0.7 },                                      // a duplicate: merged
        { ["Me", "too", "Me too", "Go"], [1, 2, 1, 1], 1.0 },                    // ambiguous: "Me too" is two ways
        { ["a", "a a", "b a", "a b"], [1, 1, 1], 0.5 },                           // ambiguous in many ways
    };

    [Theory]
    [MemberData(nameof(SmallSettings))]
    public void FloorIsExactAgainstBruteForceEnumeration(string[] phrases, double[]? perLine, double zipf)
    {
        var g = new ChildSpeechGenerator { Phrases = phrases, PhrasesPerLine = perLine, Zipf = zipf };
        Assert.Empty(g.Problems());
        Assert.Equal(BruteForceFloor(g), GeneratorEntropy.Floor(g), 1e-12);
    }

    [Fact]
    public void SardinasPattersonFindsAmbiguity()
    {
        Assert.True(GeneratorEntropy.IsUniquelyDecodable(["Hi", "No more", "Big truck go"]));
        Assert.True(GeneratorEntropy.IsUniquelyDecodable(["a", "a b"]));                // "a b …" could start "a"+"b…", but no "b" phrase
        Assert.False(GeneratorEntropy.IsUniquelyDecodable(["a", "b", "a b"]));
        Assert.False(GeneratorEntropy.IsUniquelyDecodable(["a b", "c", "a", "b c"]));  // "a b c" = (a b)(c) = (a)(b c)
        Assert.True(GeneratorEntropy.IsUniquelyDecodable(["a b", "c d", "a"]));
    }

    /// <summary>The generator samples the distribution the floor is computed for: the mean −log P(line) of generated lines,
    /// over their mean length, converges to the floor (a Monte-Carlo estimate, within 4 standard errors).</summary>
    [Theory]
    [InlineData(new[] { 4.0, 3, 2, 1 }, 1.0)]
    [InlineData(new[] { 0.0, 1 }, 0.0)]
    [InlineData(new[] { 1.0, 1, 1 }, 2.0)]
    public void GeneratedLinesAverageToTheFloor(double[] perLine, double zipf)
    {
        var g = new ChildSpeechGenerator { Phrases = ["Hi", "No more", "Big truck go", "Mama", "Me", "too", "Me too"], PhrasesPerLine = perLine, Zipf = zipf };
        var probability = GeneratorEntropy.Enumerate(GeneratorEntropy.Merged(g), g.LineCounts());
        var lines = ChildSpeechCorpus.Generate(40_000, 5, g).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var surprisal = lines.Select(l => -Math.Log(probability[l + "\n"])).ToArray();
        double meanLength = lines.Average(l => l.Length + 1.0);
        double mean = surprisal.Average(), sd = Math.Sqrt(surprisal.Sum(s => (s - mean) * (s - mean)) / (surprisal.Length - 1));
        double estimate = mean / meanLength, tolerance = 4 * sd / Math.Sqrt(surprisal.Length) / meanLength + 0.01 * estimate;
        Assert.Equal(GeneratorEntropy.Floor(g), estimate, tolerance);
        var counts = lines.Select(l => l.Split(' ').Length).ToArray();
        Assert.InRange(counts.Max(), perLine.Length, perLine.Length * 3);        // "Big truck go" is three words
    }

    [Fact]
    public void SkewAndShorterLinesMoveTheFloor()
    {
        double uniform = GeneratorEntropy.Floor(ChildSpeechGenerator.Default);
        double skewed = GeneratorEntropy.Floor(new ChildSpeechGenerator { Zipf = 1.0 });
        double varied = GeneratorEntropy.Floor(new ChildSpeechGenerator { PhrasesPerLine = [1, 1, 1, 1] });
        Assert.True(skewed < uniform, $"Zipf 1: {skewed} vs uniform {uniform}");      // frequent phrases are predictable
        Assert.True(varied > uniform, $"1–4 phrases: {varied} vs {uniform}");          // the count is information too
        var corpus = TextCorpus.ChildSpeech(generator: new ChildSpeechGenerator { Zipf = 1.0, PhrasesPerLine = [4, 3, 2, 1] });
        Assert.Equal(GeneratorEntropy.Floor(new ChildSpeechGenerator { Zipf = 1.0, PhrasesPerLine = [4, 3, 2, 1] }), corpus.EntropyFloor!.Value, 1e-15);
        Assert.Contains("Zipf 1", corpus.Description);
    }

    [Fact]
    public void BadSettingsAreNamed()
    {
        Assert.Contains(new ChildSpeechGenerator { Zipf = -1 }.Problems(), p => p.Field == "zipf");
        Assert.Contains(new ChildSpeechGenerator { Zipf = double.NaN }.Problems(), p => p.Field == "zipf");
        Assert.Contains(new ChildSpeechGenerator { PhrasesPerLine = [0, 0] }.Problems(), p => p.Field == "phrasesPerLine");
        Assert.Contains(new ChildSpeechGenerator { PhrasesPerLine = [1, 1, 1, 1, 1, 1, 1] }.Problems(), p => p.Field == "phrasesPerLine");
        Assert.Contains(new ChildSpeechGenerator { Phrases = [] }.Problems(), p => p.Field == "phrases");
        Assert.Contains(new ChildSpeechGenerator { Phrases = ["ok", " padded"] }.Problems(), p => p.Field == "phrases");
        Assert.Contains(new ChildSpeechGenerator { Phrases = ["ok", "line\nbreak"] }.Problems(), p => p.Field == "phrases");
        var alphabet = new string([.. Enumerable.Range(0x4E00, 600).Select(c => (char)c)]);
        Assert.Contains("distinct characters", Assert.Single(new ChildSpeechGenerator { Phrases = [.. alphabet.Chunk(100).Select(c => new string(c))] }.Problems()).Message);
        // Ambiguous and too many sequences to enumerate: refused with the reason, never a wrong floor.
        var many = Enumerable.Range(0, 200).Select(i => $"w{i}").Append("w1 w2").ToArray();
        var problem = Assert.Single(new ChildSpeechGenerator { Phrases = many, PhrasesPerLine = [1, 1, 1, 1] }.Problems());
        Assert.Contains("two different phrase sequences", problem.Message);
        Assert.Throws<ArgumentException>(() => GeneratorEntropy.Floor(new ChildSpeechGenerator { Phrases = many, PhrasesPerLine = [1, 1, 1, 1] }));
    }
}
