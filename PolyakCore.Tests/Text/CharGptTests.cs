using PolyakCore.Optimization;
using PolyakCore.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace PolyakCore.Tests.Text;

public class CharGptTests
{
    [Fact]
    public void LogitsHaveOneRowPerPositionAndVocabularyEntry()
    {
        using var model = TextFixtures.SmallModel();
        using var x = randint(0, 12, [3, 16], dtype: ScalarType.Int64);
        using var logits = model.forward(x);
        Assert.Equal([3L, 16, 12], logits.shape);
    }

    [Fact]
    public void ReportPresetHasTheReportsParameterCount()
    {
        var report = GptPreset.Find("report")!;
        var config = new GptConfig(40, report.NEmbd, report.NHead, report.NLayer, report.Block, report.Dropout);
        Assert.InRange(config.ParameterCount, 10_700_000, 10_850_000);    // EXPERIMENTS.md: 10.77M with 40 characters
        using var model = new CharGpt(config with { NLayer = 1 });           // the formula against TorchSharp's count, cheaply
        Assert.Equal((config with { NLayer = 1 }).ParameterCount, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void FutureTokensDoNotChangeEarlierLogits()
    {
        using var model = TextFixtures.SmallModel();
        model.eval();
        using var noGrad = no_grad();
        var ids = Enumerable.Range(0, 16).Select(i => (long)(i * 5 % 12)).ToArray();
        var changed = ids.ToArray();
        changed[10] = (changed[10] + 3) % 12;
        changed[15] = (changed[15] + 1) % 12;
        using var a = model.forward(tensor(ids).unsqueeze(0));
        using var b = model.forward(tensor(changed).unsqueeze(0));
        Assert.True(a[.., ..10].allclose(b[.., ..10], rtol: 0, atol: 1e-6), "positions before the change must not move");
        Assert.False(a[.., 10..].allclose(b[.., 10..], rtol: 0, atol: 1e-4), "positions at and after the change must");
    }

    [Fact]
    public void CachedLogitsEqualFullRecomputation()
    {
        using var model = TextFixtures.SmallModel();
        model.eval();
        using var noGrad = no_grad();
        var ids = Enumerable.Range(0, 14).Select(i => (long)(i * 7 % 12)).ToArray();
        using var full = model.forward(tensor(ids).unsqueeze(0));
        using var cache = model.NewCache();
        var prefill = model.Forward(tensor(ids[..5]).unsqueeze(0), cache);       // a prompt at once
        Assert.True(prefill.allclose(full[.., ..5], rtol: 0, atol: 1e-5));
        var chunk = model.Forward(tensor(ids[5..8]).unsqueeze(0), cache);         // several new tokens with a cache
        Assert.True(chunk.allclose(full[.., 5..8], rtol: 0, atol: 1e-5));
        for (int i = 8; i < ids.Length; i++)                                       // then one at a time
        {
            var step = model.Forward(tensor(new[] { ids[i] }).unsqueeze(0), cache);
            Assert.True(step.allclose(full[.., i..(i + 1)], rtol: 0, atol: 1e-5), $"position {i}");
        }
        Assert.Equal(14, cache.Length);
        Assert.Throws<ArgumentException>(() => model.Forward(tensor(new long[] { 1, 2, 3 }).unsqueeze(0), cache));   // 17 > block 16
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("polyak-sgd")]
    [InlineData("sgd")]
    public void AFewStepsLowerTheLoss(string optimizerName)
    {
        using var model = TextFixtures.SmallModel(vocab: 5);
        var options = optimizerName switch { "adam" => new OptimizerSettings { Lr = 3e-3 }, "sgd" => new() { Lr = 0.5 }, _ => new() };
        using var optimizer = OptimizerCatalog.Create(optimizerName, options, model.parameters());
        // A periodic sequence: learnable in a few dozen steps.
        var ids = Enumerable.Range(0, 17 * 8).Select(i => (long)(i % 5)).ToArray();
        using var x = tensor(ids).view(8, 17)[.., ..16].contiguous();
        using var y = tensor(ids).view(8, 17)[.., 1..].contiguous();
        double first = 0, last = 0;
        for (int step = 0; step < 40; step++)
        {
            using var scope = NewDisposeScope();
            model.zero_grad();
            var loss = model.Loss(x, y);
            loss.backward();
            var record = optimizer.Step(loss);
            if (step == 0) first = record.Loss;
            last = record.Loss;
        }
        Assert.True(last < 0.7 * first, $"{optimizerName}: loss {first:F3} → {last:F3}");
    }
}

/// <summary>Alone: libtorch's thread count is set per thread but seeded from a process-wide value on a thread's first
/// torch call, and the batched engine's parts set and restore theirs on threads of their own — a test reading counts
/// while an ensemble runs in parallel read 1 for 2 in one CI run.</summary>
[CollectionDefinition(nameof(TorchThreadCountCollection), DisableParallelization = true)]
public sealed class TorchThreadCountCollection;

[Collection(nameof(TorchThreadCountCollection))]
public class CharGptSeedTests
{
    /// <summary>Generation runs its threads with one torch thread; that must not slow training threads down.</summary>
    [Fact]
    public void TorchThreadCountIsPerThread()
    {
        int inTraining = 0, inGeneration = 0, inLater = 0;
        var training = new Thread(() =>
        {
            PolyakCore.Training.TorchThreads.Use(2);
            var generation = PolyakCore.Training.RunThread.Start(() => inGeneration = TorchSharp.torch.get_num_threads(), "generation", torchThreads: 1);
            generation.Wait();
            inTraining = TorchSharp.torch.get_num_threads();
        });
        training.Start();
        training.Join();
        // Any thread that first touches torch after a generation ended (a thread-pool thread, say) gets the default again.
        var later = new Thread(() => inLater = TorchSharp.torch.get_num_threads());
        later.Start();
        later.Join();
        Assert.Equal(1, inGeneration);
        Assert.Equal(2, inTraining);
        Assert.Equal(PolyakCore.Training.TorchThreads.Default, inLater);
    }

    [Fact]
    public void SameSeedGivesTheSameInitialWeights()
    {
        using var a = TextFixtures.SmallModel(seed: 5);
        TorchSharp.torch.randn(100);     // other users of the global generator must not matter
        using var b = TextFixtures.SmallModel(seed: 5);
        using var c = TextFixtures.SmallModel(seed: 6);
        var pa = a.named_parameters().ToArray();
        var pb = b.named_parameters().ToArray();
        for (int i = 0; i < pa.Length; i++)
            Assert.True(pa[i].parameter.Equals(pb[i].parameter), pa[i].name);
        Assert.False(a.parameters().First().Equals(c.parameters().First()));
    }
}
