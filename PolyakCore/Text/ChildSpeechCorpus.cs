namespace PolyakCore.Text;

/// <summary>The synthetic child-speech corpus: each line is two toddler phrases drawn uniformly with
/// replacement from <see cref="Phrases"/>, joined by a space. Deterministic from a seed.</summary>
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
    public static string Generate(int count, int seed, IReadOnlyList<string>? phrases = null)
    {
        phrases ??= Phrases;
        var random = new Random(seed);
        var text = new System.Text.StringBuilder(count * 28);
        for (int i = 0; i < count; i++)
            text.Append(phrases[random.Next(phrases.Count)]).Append(' ').Append(phrases[random.Next(phrases.Count)]).Append('\n');
        return text.ToString();
    }

    /// <summary>The default corpus: 10,000 training lines and 1,000 test lines from one seed.</summary>
    public static (string Train, string Test) Create(int seed = 0, int trainLines = DefaultTrainLines, int testLines = DefaultTestLines) =>
        (Generate(trainLines, seed), Generate(testLines, unchecked(seed * 7919 + 104_729)));

    /// <summary>The generator's entropy rate in nats per character: H(line) / E[line length], newline included.</summary>
    /// <remarks>Exact, from the K² equiprobable phrase pairs; pairs that spell the same line are merged first,
    /// so the figure stays right even if two pairs collide.</remarks>
    public static double EntropyFloor(IReadOnlyList<string>? phrases = null)
    {
        phrases ??= Phrases;
        double pair = 1.0 / ((double)phrases.Count * phrases.Count);
        var lines = new Dictionary<string, double>();
        double meanLength = 0;
        foreach (var a in phrases)
            foreach (var b in phrases)
            {
                string line = a + " " + b + "\n";
                lines[line] = lines.GetValueOrDefault(line) + pair;
                meanLength += pair * line.Length;
            }
        double entropy = -lines.Values.Sum(p => p * Math.Log(p));
        return entropy / meanLength;
    }
}
