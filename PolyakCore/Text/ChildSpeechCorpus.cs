namespace PolyakCore.Text;

/// <summary>The synthetic child-speech corpus: by default each line is two toddler phrases drawn uniformly with
/// replacement from <see cref="Phrases"/>, joined by a space; a <see cref="ChildSpeechGenerator"/> changes the list,
/// the phrases per line and their frequency skew. Deterministic from a seed.</summary>
/// <remarks>Because the generator is known, the best achievable loss is known too
/// (<see cref="EntropyFloor"/>): a model can do no better than the entropy of a line spread over its characters.</remarks>
public static class ChildSpeechCorpus
{
    public const string Name = "child-speech";
    public const int DefaultTrainLines = 10_000, DefaultTestLines = 1_000;

    /// <summary>Our own list of short toddler phrases: letters and spaces only, capitalised, 2–9 words.</summary>
    public static IReadOnlyList<string> Phrases { get; } =
    [
        "I want cookie", "Shoes on", "More milk please", "Where is doggy", "Mama up", "No nap",
        "I do it myself", "Look at the big truck", "Daddy come here", "Bye bye car", "All gone",
        "I see a birdie", "Want to go outside", "Read the book again", "My teddy", "Give me the ball",
        "Kitty is sleeping", "I am hungry", "Bath time now", "Uh oh it fell", "Night night moon",
        "I love you mama", "Can I have juice", "The water is cold", "Push me on the swing", "Where did it go",
        "Big red fire truck", "Sing the song again", "I need a hug", "Let us play blocks", "Hat off",
        "Open the door please", "That is mine", "Baby is crying", "I want to see the ducks", "Me too",
        "Go fast", "Wash hands", "I made a mess", "The sun is up", "Grandma is here", "Cookie for teddy",
        "Jump jump jump", "Where is my blanket", "Help me please", "Doggy says woof", "I want the blue cup",
        "No more peas", "Daddy read to me", "I want to go to the park with daddy",
    ];

    /// <summary><paramref name="count"/> lines, each ending in a newline, from a seeded generator.</summary>
    public static string Generate(int count, int seed, IReadOnlyList<string>? phrases = null) =>
        Generate(count, seed, phrases is null ? ChildSpeechGenerator.Default : new ChildSpeechGenerator { Phrases = phrases });

    /// <summary><paramref name="count"/> lines drawn as <paramref name="generator"/> says, from a seeded generator.</summary>
    /// <remarks>Draws only what varies: a uniform phrase is <c>Next(K)</c> and a fixed phrase count draws nothing, so
    /// the default settings consume the random stream exactly as the original two-phrase generator did (same bytes).</remarks>
    public static string Generate(int count, int seed, ChildSpeechGenerator generator)
    {
        var phrases = generator.PhraseList;
        var counts = generator.LineCounts();
        double[]? phraseCdf = generator.Zipf == 0 ? null : Cumulative(generator.PhraseProbabilities());
        double[]? countCdf = counts.Count == 1 ? null : Cumulative([.. counts.Select(c => c.Probability)]);
        var random = new Random(seed);
        var text = new System.Text.StringBuilder(count * 28);
        for (int i = 0; i < count; i++)
        {
            int n = countCdf is null ? counts[0].Count : counts[Draw(countCdf, random)].Count;
            for (int j = 0; j < n; j++)
            {
                if (j > 0) text.Append(' ');
                text.Append(phrases[phraseCdf is null ? random.Next(phrases.Count) : Draw(phraseCdf, random)]);
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    /// <summary>The default corpus: 10,000 training lines and 1,000 test lines from one seed.</summary>
    public static (string Train, string Test) Create(int seed = 0, int trainLines = DefaultTrainLines, int testLines = DefaultTestLines) =>
        (Generate(trainLines, seed), Generate(testLines, unchecked(seed * 7919 + 104_729)));

    /// <summary>The generator's entropy rate in nats per character: H(line) / E[line length], newline included.</summary>
    /// <remarks>Exact (see <see cref="GeneratorEntropy"/>); phrase sequences that spell the same line are merged.</remarks>
    public static double EntropyFloor(IReadOnlyList<string>? phrases = null) =>
        GeneratorEntropy.Floor(phrases is null ? ChildSpeechGenerator.Default : new ChildSpeechGenerator { Phrases = phrases });

    private static double[] Cumulative(double[] probabilities)
    {
        var cdf = new double[probabilities.Length];
        double sum = 0;
        for (int i = 0; i < cdf.Length; i++) cdf[i] = sum += probabilities[i];
        cdf[^1] = 1.0;          // rounding must not leave a gap above the last entry
        return cdf;
    }

    // The first entry whose cumulative probability exceeds a uniform draw.
    private static int Draw(double[] cdf, Random random)
    {
        double u = random.NextDouble();
        int index = Array.BinarySearch(cdf, u);
        index = index >= 0 ? index + 1 : ~index;
        return Math.Min(index, cdf.Length - 1);
    }
}
