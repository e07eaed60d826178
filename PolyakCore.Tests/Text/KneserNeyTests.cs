using PolyakCore.Text;

namespace PolyakCore.Tests.Text;

public class KneserNeyTests
{
    private static int[] Ids(string text, string vocabulary) => [.. text.Select(c => vocabulary.IndexOf(c))];

    /// <summary>Train "aab", vocabulary {a, b, c} (c unseen), D = 0.5, worked by hand from the definition.</summary>
    [Fact]
    public void MatchesHandComputedValuesOnATinyCase()
    {
        const string v = "abc";
        var model = KneserNey.Train(Ids("aab", v), 3, 2, discount: 0.5);
        // Order 1 on its own counts occurrences: c(a) = 2, c(b) = 1, N = 3, two types.
        double uniform = 1.0 / 3, lambda1 = 0.5 * 2 / 3;
        Assert.Equal((2 - 0.5) / 3 + lambda1 * uniform, model.Probability([], 0, 1), 1e-12);
        Assert.Equal((1 - 0.5) / 3 + lambda1 * uniform, model.Probability([], 1, 1), 1e-12);
        Assert.Equal(lambda1 * uniform, model.Probability([], 2, 1), 1e-12);                  // unseen: the uniform share only
        // Below order 2 it counts continuations: a follows a, b follows a → N₁₊(·a) = N₁₊(·b) = 1, total 2, two types.
        double cont(int n) => Math.Max(n - 0.5, 0) / 2 + 0.5 * 2 / 2 * uniform;
        // Context "a": c(aa) = c(ab) = 1, total 2, two types.
        Assert.Equal((1 - 0.5) / 2 + 0.5 * 2 / 2 * cont(1), model.Probability([0], 1, 2), 1e-12);
        Assert.Equal(0.5 * 2 / 2 * cont(0), model.Probability([0], 2, 2), 1e-12);
        // Context "b" was never followed by anything: the continuation unigram whole.
        Assert.Equal(cont(0), model.Probability([1], 2, 2), 1e-12);
        // Validation "abc": b after a, then c after b.
        double expected2 = -(Math.Log((1 - 0.5) / 2 + 0.5 * cont(1)) + Math.Log(cont(0))) / 2;
        Assert.Equal(expected2, model.CrossEntropy(Ids("abc", v), 2), 1e-12);
        double expected1 = -(Math.Log(0.5 / 3 + lambda1 * uniform) + Math.Log(lambda1 * uniform)) / 2;
        Assert.Equal(expected1, model.CrossEntropy(Ids("abc", v), 1), 1e-12);
    }

    [Fact]
    public void EveryOrderIsAProbabilityDistribution()
    {
        var corpus = TextCorpus.ChildSpeech(lines: 400);
        var ids = corpus.Tokenizer.Encode(corpus.Train).Select(i => (int)i).ToArray();
        int v = corpus.Tokenizer.Size;
        var model = KneserNey.Train(ids, v, 5);
        var random = new Random(1);
        for (int trial = 0; trial < 30; trial++)
        {
            // Seen contexts from the text, and random ones (mostly never seen).
            int at = random.Next(5, ids.Length);
            int[] context = trial % 2 == 0 ? ids[(at - 4)..at] : [.. Enumerable.Range(0, 4).Select(_ => random.Next(v))];
            for (int n = 1; n <= 5; n++)
            {
                double sum = Enumerable.Range(0, v).Sum(w => model.Probability(context, w, n));
                Assert.Equal(1.0, sum, 1e-9);
            }
        }
    }

    [Fact]
    public void LossFallsWithTheOrderOnAStructuredText()
    {
        // A deterministic, periodic text: one character of context predicts the next exactly.
        const string v = "abc\n";
        var periodic = Ids(string.Concat(Enumerable.Repeat("abc\n", 500)), v);
        var model = KneserNey.Train(periodic[..1600], 4, 3);
        var losses = Enumerable.Range(1, 3).Select(n => model.CrossEntropy(periodic[1600..], n)).ToArray();
        Assert.Equal(Math.Log(4), losses[0], 0.01);                 // four equally frequent characters
        Assert.True(losses[1] < 0.01, $"bigram loss {losses[1]}");
        Assert.True(losses[2] <= losses[1] + 1e-9);

        var reference = NGramReference.Of(TextCorpus.ChildSpeech());
        var values = reference.Losses.Select(l => l.ValLoss).ToArray();
        Assert.Equal([1, 2, 3, 4, 5], reference.Losses.Select(l => l.N));
        for (int n = 1; n < values.Length; n++) Assert.True(values[n] < values[n - 1], $"n = {n + 1}: {values[n]} vs {values[n - 1]}");
        Assert.True(values[^1] > ChildSpeechCorpus.EntropyFloor(), "no model beats the generator's entropy");
    }

    [Fact]
    public void UnseenCharactersGetAFiniteLoss()
    {
        var text = string.Concat(Enumerable.Repeat("hello there\nmore words here\n", 40));
        var corpus = TextCorpus.FromText("x", text + "zebra quiz jumps\n");     // z, q, u, j… only in validation
        var reference = NGramReference.Of(corpus);
        Assert.All(reference.Losses, l => Assert.True(double.IsFinite(l.ValLoss) && l.ValLoss > 0, $"n = {l.N}: {l.ValLoss}"));
    }

    [Fact]
    public void RefusesBadArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => KneserNey.Train([0, 1], 2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => KneserNey.Train([0, 5], 2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => KneserNey.Train([0, 1], 2, 2, discount: 1.5));
    }
}
