using PolyakCore.Text;
using PolyakCore.Training;

namespace PolyakCore.Tests.Training;

public class PolyakStepProbeTests
{
    [Fact]
    public void MeasuresThePolyakStepOfRealTrainingSteps()
    {
        var corpus = TextCorpus.ChildSpeech(lines: 300);
        var rung = new ProbeRung("micro", 32, 2, 1, 32, 0.0, 4);
        var result = PolyakStepProbe.Measure(corpus, rung, batch: 4, seed: 1);
        Assert.Equal(4, result.Steps.Count);
        Assert.Equal(new GptConfig(corpus.Tokenizer.Size, 32, 2, 1, 32, 0).ParameterCount, result.Parameters);
        Assert.Equal(Math.Log(corpus.Tokenizer.Size), result.First.Loss, 0.3);       // a fresh model guesses about uniformly
        Assert.All(result.Steps, s =>
        {
            Assert.True(s.GradNormSq > 0);
            Assert.Equal(s.Loss / (s.GradNormSq + 1e-8), s.StepSize, 1e-9 * s.StepSize);   // (f − 0)/(‖g‖² + ε), no cap
        });
        Assert.NotEqual(result.Steps[0].Loss, result.Steps[1].Loss);                   // the model moved
        Assert.True(result.SecondsPerStep > 0);
        // Same seed, same numbers.
        Assert.Equal(result.Steps, PolyakStepProbe.Measure(corpus, rung, batch: 4, seed: 1).Steps);

        var ladder = PolyakLadder.Measure(corpus, [rung, rung with { Name = "wider", NEmbd = 48, Steps = 2 }], [2, 4], seed: 1);
        Assert.Equal(4, ladder.Results.Count);
        Assert.Equal([2, 4], ladder.Batches);
        Assert.Equal(1 + 4 + 4 + 2 + 2, ladder.ToCsv().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.InRange(ladder.UnigramLoss, 2.0, ladder.UniformLoss);
    }

    private static ProbeResult Result(string name, int embd, int layers, int block, int batch, long parameters, double gradNormSq, double loss = 3.8, int steps = 3) =>
        new(name, embd, 4, layers, block, 0.1, parameters, batch, 0.25 * parameters / 1e6,
            [.. Enumerable.Range(1, steps).Select(i => new ProbeStep(i, loss, gradNormSq, loss / gradNormSq))]);

    [Fact]
    public void FindingIsRenderedFromTheNumbers()
    {
        // ‖g‖² ∝ parameters at batch 16 (so the step ∝ parameters^−1), and half of it at batch 32.
        var ladder = new PolyakLadder("test CPU", DateTimeOffset.UnixEpoch, 0, "child-speech", 44, 3.1,
        [
            Result("a", 64, 2, 128, 16, 1_000_000, 10), Result("a", 64, 2, 128, 32, 1_000_000, 5),
            Result("b", 64, 4, 128, 16, 2_000_000, 20), Result("b", 64, 4, 128, 32, 2_000_000, 10),
            Result("c", 128, 4, 128, 16, 8_000_000, 80), Result("c", 128, 4, 128, 32, 8_000_000, 40),
        ]);
        var text = string.Join(" ", PolyakLadderFinding.Describe(ladder));
        Assert.Contains("The Polyak step shrinks as the model grows: its median over the first steps is 0.38 on a and 0.048 on c (batch 16). No step on a exceeds 1 (largest 0.38).", text);
        Assert.Contains("3.80–3.80 nats", text);
        Assert.Contains("ln 44 = 3.78", text);
        Assert.Contains("‖g‖² ∝ parameters^1.00, step ∝ parameters^-1.00", text);
        Assert.Contains("from 0.38 to 0.0475", text);                                   // median steps, a → c
        Assert.Contains("Depth 2 → 4 layers (a → b, batch 16) multiplies the median ‖g‖² by 2 and the median step by 0.5", text);
        Assert.Contains("Width 64 → 128 (b → c, batch 16) multiplies the median ‖g‖² by 4", text);
        Assert.Contains("batch 32 instead of 16 multiplies the median ‖g‖² by 0.5", text);
        Assert.Contains("the median step by 2", text);
        Assert.Contains("At the first step (the same initial model) batch 32 instead of 16 multiplies ‖g‖² by 0.5 to 0.5.", text);
        Assert.Contains("climbed 1 nat or more above its start on 0 of 6 runs", text);
        Assert.Contains("got below the unigram level (3.10, a model that ignores context) on 0 of 6", text);
        Assert.Contains("Share of steps above 1: a 0% / 0%, b 0% / 0%, c 0% / 0% (batch 16 / 32).", text);
        Assert.Contains("a 250 / 250 ms", text);
        Assert.DoesNotContain("After the", text);                                       // no step above 1: nothing to compare

        // Different numbers, different sentences: a large step and the climb after it are counted.
        var climbing = ladder with { Results = [.. ladder.Results.Take(5), ladder.Results[5] with { Steps = [new(1, 3.8, 40, 0.095), new(2, 2.0, 0.2, 10), new(3, 9.5, 1, 9.5)] }] };
        var climbed = string.Join(" ", PolyakLadderFinding.Describe(climbing));
        Assert.Contains("climbed 1 nat or more above its start on 1 of 6 runs (highest 9.5, c at batch 32, after a step of 10)", climbed);
        Assert.Contains("got below the unigram level (3.10, a model that ignores context) on 1 of 6", climbed);
        Assert.Contains("c 0% / 67%", climbed);
        Assert.Contains("No step on a exceeds 1", climbed);                            // the headline reads batch 16
        var spiky = ladder with { Results = [ladder.Results[0] with { Steps = [new(1, 3.8, 1, 3.8), new(2, 5.0, 40, 0.125)] }, .. ladder.Results.Skip(1)] };
        Assert.Contains("On a, 1 of 2 steps exceed 1 (up to 3.8), and over all runs the next mini-batch loss rose after 1 of the 1 steps above 1 that had a next one; on c the largest step is 0.048.",
            PolyakLadderFinding.Describe(spiky)[0]);
        Assert.Contains("After the 1 step above 1 the next mini-batch loss was higher 1 times (median change +7.50 nats); after the other 11 steps, 0 times (median +0.00)", climbed);
    }

    [Fact]
    public void SlopeIsTheLogLogFit()
    {
        Assert.Equal(0.5, PolyakLadderFinding.Slope([(1, 1), (4, 2), (16, 4)]), 1e-12);
        Assert.True(double.IsNaN(PolyakLadderFinding.Slope([(1, 1)])));
    }
}
