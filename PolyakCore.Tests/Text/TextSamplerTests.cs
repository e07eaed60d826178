using PolyakCore.Optimization;
using PolyakCore.Text;
using static TorchSharp.torch;

namespace PolyakCore.Tests.Text;

public class TextSamplerTests
{
    private const string Vocabulary = "\n abcdefghij";   // 12 characters, sorted: the fixtures' small model

    private static TextSampler Sampler(int block = 16, int seed = 1) =>
        new(TextFixtures.SmallModel(block: block, seed: seed), new CharTokenizer(Vocabulary));

    [Fact]
    public void SameSeedAndSettingsGiveTheSameText()
    {
        var sampler = Sampler();
        var settings = new SamplingSettings { Prompt = "abc", Temperature = 0.9, TopK = 8, TopP = 0.95, MaxNewCharacters = 40, Samples = 3, Seed = 7 };
        var first = sampler.Generate(settings).Select(s => s.Text).ToArray();
        randn(100);                                                      // other users of torch's global generator must not matter
        var again = sampler.Generate(settings).Select(s => s.Text).ToArray();
        Assert.Equal(first, again);
        Assert.All(first, t => Assert.Equal(40, t.Length));
        Assert.Equal(3, first.Distinct().Count());                       // each sample draws from its own stream

        var otherSeed = sampler.Generate(settings with { Seed = 8 }).Select(s => s.Text).ToArray();
        Assert.NotEqual(first, otherSeed);
        // Sample 1 of seed 7 is not sample 0 of seed 8: the streams are mixed, not offset.
        Assert.NotEqual(first[1], otherSeed[0]);
        // Asking for fewer samples does not change the ones asked for.
        Assert.Equal(first[0], sampler.Generate(settings with { Samples = 1 })[0].Text);
    }

    [Fact]
    public void CacheAndRecomputationGiveTheSameLogitsAcrossTheBlockBoundary()
    {
        var sampler = Sampler(block: 16);
        var settings = new SamplingSettings { Prompt = "abc", MaxNewCharacters = 60, Seed = 3 };
        using var cached = sampler.Start(settings);
        using var recomputed = sampler.Start(settings with { UseCache = false });
        var tokenizer = sampler.Tokenizer;
        using var noGrad = no_grad();
        int slides = 0, previous = cached.ContextLength;
        for (int i = 0; i < 59; i++)
        {
            Assert.Equal(recomputed.ContextLength, cached.ContextLength);
            AssertClose(recomputed.Logits, cached.Logits, $"step {i}");
            // Independently: the model on the last ContextLength characters of the line start, prompt and text.
            var context = ("\nabc" + cached.Text)[^cached.ContextLength..];
            using var direct = sampler.Model.forward(tensor(tokenizer.Encode(context)).unsqueeze(0));
            AssertClose(direct[0, -1].data<float>().ToArray(), cached.Logits, $"step {i}, direct");

            var a = cached.Next()!;
            var b = recomputed.Next()!;
            Assert.Equal(a.Character, b.Character);
            Assert.InRange(cached.ContextLength, 1, 16);
            if (cached.ContextLength < previous) { slides++; Assert.Equal(8, cached.ContextLength); }   // kept Block/2
            previous = cached.ContextLength;
        }
        Assert.True(slides >= 5, $"60 characters through a 16-character block slide often; saw {slides}");
        Assert.Equal(recomputed.Text, cached.Text);
    }

    [Fact]
    public void APromptLongerThanTheBlockKeepsItsEnd()
    {
        var sampler = Sampler(block: 16);
        var prompt = string.Concat(Enumerable.Repeat("abc def ", 5));    // 40 characters
        using var stream = sampler.Start(new SamplingSettings { Prompt = prompt, MaxNewCharacters = 5 });
        Assert.Equal(16, stream.ContextLength);
        using var noGrad = no_grad();
        using var direct = sampler.Model.forward(tensor(sampler.Tokenizer.Encode(prompt[^16..])).unsqueeze(0));
        AssertClose(direct[0, -1].data<float>().ToArray(), stream.Logits, "prefill of the last block");
    }

    [Fact]
    public void TopKAndTopPKeepTheRightCharacters()
    {
        double[] P() => [0.1, 0.4, 0.2, 0.3];
        AssertProbabilities([0, 4 / 7.0, 0, 3 / 7.0], Filtered(P(), 2, null));
        AssertProbabilities([0.1, 0.4, 0.2, 0.3], Filtered(P(), 4, null));
        AssertProbabilities([0, 1, 0, 0], Filtered(P(), 1, null));
        AssertProbabilities([0, 1, 0, 0], Filtered(P(), null, 0.4));           // 0.4 alone reaches p = 0.4
        AssertProbabilities([0, 4 / 7.0, 0, 3 / 7.0], Filtered(P(), null, 0.41)); // the character crossing p is kept
        AssertProbabilities([0, 4 / 9.0, 2 / 9.0, 3 / 9.0], Filtered(P(), null, 0.75));
        AssertProbabilities([0.1, 0.4, 0.2, 0.3], Filtered(P(), null, 1.0));
        // Top-p measures the mass of what top-k left: of {0.4, 0.3, 0.2}/0.9, 0.4/0.9 = 0.44 < 0.5, so two stay.
        AssertProbabilities([0, 4 / 7.0, 0, 3 / 7.0], Filtered(P(), 3, 0.5));
        // Ties rank the lower index first.
        AssertProbabilities([0.5, 0.5, 0, 0], Filtered([0.25, 0.25, 0.25, 0.25], 2, null));

        // The draw inverts the cumulative distribution in index order.
        double[] q = [0, 0.5, 0.25, 0.25];
        Assert.Equal(1, SamplingMath.Draw(q, 0.0));
        Assert.Equal(1, SamplingMath.Draw(q, 0.4999));
        Assert.Equal(2, SamplingMath.Draw(q, 0.5));
        Assert.Equal(3, SamplingMath.Draw(q, 0.9999999));

        var soft = SamplingMath.Softmax([0f, (float)Math.Log(2)]);
        Assert.Equal(1 / 3.0, soft[0], 6);
        var sharp = SamplingMath.Softmax([0f, (float)Math.Log(2)], temperature: 0.5);
        Assert.Equal(1 / 5.0, sharp[0], 6);                                    // 2^(1/0.5) = 4: 1/(1+4)
    }

    [Fact]
    public void TopKOfOneIsGreedyAndDrawsOnlyAllowedCharacters()
    {
        var sampler = Sampler();
        var settings = new SamplingSettings { Prompt = "ab", TopK = 1, MaxNewCharacters = 30, Samples = 2, TopCandidates = 5 };
        var samples = sampler.Generate(settings);
        Assert.Equal(samples[0].Text, samples[1].Text);                        // no randomness left
        foreach (var c in samples[0].Characters!)
        {
            Assert.Equal(5, c.Top!.Count);
            Assert.Equal(c.Top[0].Character, c.Character);                     // greedy: always the likeliest
            Assert.Equal(c.Top[0].Probability, c.Probability, 12);
            Assert.True(c.Top.Zip(c.Top.Skip(1)).All(p => p.First.Probability >= p.Second.Probability));
            Assert.InRange(c.Top.Sum(t => t.Probability), 0, 1 + 1e-9);
        }
    }

    [Fact]
    public void StopsAtTheEndOfALineOfATrainedModel()
    {
        // "ab cd\n" over and over: a few dozen Adam steps learn it, so the model ends its lines.
        var tokenizer = new CharTokenizer("\n abcd");
        using var model = new CharGpt(new GptConfig(tokenizer.Size, 32, 4, 2, 16, 0), seed: 2);
        var ids = tokenizer.Encode(string.Concat(Enumerable.Repeat("ab cd\n", 40)));
        using (var optimizer = OptimizerCatalog.Create("adam", new() { Lr = 1e-2 }, model.parameters()))
        {
            // Windows at every phase of the line, so the line start is seen at every position.
            using var x = stack(Enumerable.Range(0, 12).Select(i => tensor(ids[(i * 7)..(i * 7 + 16)])));
            using var y = stack(Enumerable.Range(0, 12).Select(i => tensor(ids[(i * 7 + 1)..(i * 7 + 17)])));
            for (int step = 0; step < 80; step++)
            {
                using var scope = NewDisposeScope();
                model.zero_grad();
                var loss = model.Loss(x, y);
                loss.backward();
                optimizer.Step(loss);
            }
        }
        var sampler = new TextSampler(model, tokenizer);
        var line = sampler.Generate(new SamplingSettings { StopAtEndOfLine = true, MaxNewCharacters = 50, Temperature = 0.5, Samples = 2 });
        Assert.All(line, s => { Assert.Equal("ab cd", s.Text); Assert.Equal(FinishReason.EndOfLine, s.Finish); });
        var lines = sampler.Generate(new SamplingSettings { MaxNewCharacters = 18, Temperature = 0.5 })[0];
        Assert.Equal("ab cd\nab cd\nab cd\n", lines.Text);
        Assert.Equal(FinishReason.Length, lines.Finish);
        Assert.Equal("cd\nab", sampler.Generate(new SamplingSettings { Prompt = "ab ", MaxNewCharacters = 5, Temperature = 0.5 })[0].Text);
    }

    [Fact]
    public void CancellingEndsTheSampleWhereItIs()
    {
        var sampler = Sampler();
        using var cancel = new CancellationTokenSource();
        int seen = 0;
        var samples = sampler.Generate(new SamplingSettings { MaxNewCharacters = 500, Samples = 3 }, c => { if (++seen == 7) cancel.Cancel(); }, cancel.Token);
        var only = Assert.Single(samples);
        Assert.Equal(7, only.Text.Length);
        Assert.Equal(FinishReason.Cancelled, only.Finish);
    }

    [Fact]
    public void SideBySideRunsEachModelAsItWouldRunAlone()
    {
        TextSampler a = Sampler(seed: 1), b = Sampler(seed: 2);
        var settings = new SamplingSettings { Prompt = "a", MaxNewCharacters = 20, Samples = 2, Seed = 5 };
        var order = new List<int>();
        var both = TextSampler.GenerateSideBySide([a, b], settings, (m, _) => order.Add(m));
        Assert.Equal(a.Generate(settings).Select(s => s.Text), both[0].Select(s => s.Text));
        Assert.Equal(b.Generate(settings).Select(s => s.Text), both[1].Select(s => s.Text));
        Assert.NotEqual(both[0][0].Text, both[1][0].Text);
        Assert.Equal([0, 1, 0, 1], order.Take(4));                              // interleaved, so both stream at once
    }

    [Fact]
    public void EveryBadSettingIsNamedWithItsValue()
    {
        var limits = new SamplingLimits(MaxNewCharacters: 1000, MaxSamples: 4);
        var tokenizer = new CharTokenizer(Vocabulary);
        string Message(SamplingSettings s, string field) =>
            Assert.Single(SamplingValidation.Validate(s, limits, tokenizer), e => e.Field == field).Message;

        Assert.Empty(SamplingValidation.Validate(new SamplingSettings(), limits, tokenizer));
        Assert.Contains("above 0; got 0", Message(new() { Temperature = 0 }, "temperature"));
        Assert.Contains("got -1", Message(new() { Temperature = -1 }, "temperature"));
        Assert.Contains("NaN", Message(new() { Temperature = double.NaN }, "temperature"));
        Assert.Contains("∞", Message(new() { Temperature = double.PositiveInfinity }, "temperature"));
        Assert.Contains("between 1 and the vocabulary size 12; got 13", Message(new() { TopK = 13 }, "topK"));
        Assert.Contains("got 0", Message(new() { TopK = 0 }, "topK"));
        Assert.Contains("(0, 1]; got 0", Message(new() { TopP = 0 }, "topP"));
        Assert.Contains("got 1.5", Message(new() { TopP = 1.5 }, "topP"));
        Assert.Contains("got NaN", Message(new() { TopP = double.NaN }, "topP"));
        Assert.Contains("between 1 and 1,000; got 1,001", Message(new() { MaxNewCharacters = 1001 }, "maxNewCharacters"));
        Assert.Contains("got 0", Message(new() { MaxNewCharacters = 0 }, "maxNewCharacters"));
        Assert.Contains("between 1 and 4; got 5", Message(new() { Samples = 5 }, "samples"));
        var unknown = Message(new() { Prompt = "hello WORLD!" }, "prompt");
        Assert.Contains("does not know: 'l' 'o' 'W' 'O' 'R' 'L' 'D' '!'", unknown);
        Assert.Contains("It knows: ⏎ ␣ 'a'", unknown);
        Assert.Contains("the limit is 2,000", Message(new() { Prompt = new string('a', 2001) }, "prompt"));
        Assert.Contains("no end of line", Assert.Single(SamplingValidation.Validate(new SamplingSettings(), limits, new CharTokenizer("ab"))).Message);

        // All at once, and the sampler refuses them before touching the model.
        var bad = new SamplingSettings { Temperature = 0, TopK = 0, TopP = 2, Samples = 0, MaxNewCharacters = 0, Prompt = "Z" };
        Assert.Equal(6, SamplingValidation.Validate(bad, limits, tokenizer).Count);
        var e = Assert.Throws<SamplingException>(() => Sampler().Generate(bad));
        Assert.Equal(6, e.Errors.Count);
        // Without a tokenizer only what does not depend on the model is checked.
        Assert.Empty(SamplingValidation.Validate(new SamplingSettings { Prompt = "Z", TopK = 500 }, limits));
    }

    private static double[] Filtered(double[] p, int? k, double? topP)
    {
        SamplingMath.Filter(p, k, topP);
        return p;
    }

    private static void AssertProbabilities(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 12);
    }

    private static void AssertClose(float[] expected, float[] actual, string where)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-4, $"{where}: logit {i} {expected[i]} vs {actual[i]}");
    }
}
