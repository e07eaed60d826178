using PolyakCore.Experiments;
using PolyakCore.Export;
using PolyakCore.Problems;
using PolyakCore.Optimization;
using PolyakCore.Text;
using PolyakCore.Training;

namespace PolyakCore.Tests.Experiments;

public class ChildSpeechLessonTests
{
    private static readonly GptConfig Tiny = new(44, 96, 4, 3, 128, 0);

    private static CheckpointMetadata Best(string optimizer, double valLoss, int epoch, double? lr = null) => new()
    {
        Model = Tiny, Vocabulary = "abc", Optimizer = optimizer, Corpus = "child-speech", Preset = "tiny", Epoch = epoch, ValLoss = valLoss,
        OptimizerOptions = new() { Lr = lr }, Kind = "best",
    };

    private static PolyakLadder Ladder(double secondsPerStep) => new("AMD EPYC, 2 cores", DateTimeOffset.UnixEpoch, 0, "child-speech", 44, 3.09,
        [new ProbeResult("report", 384, 6, 6, 256, 0.2, 10_779_692, 16, secondsPerStep, [new(1, 3.8, 10, 0.38)])]);

    [Fact]
    public void EveryNumberComesFromTheCheckpointsAndTheLadder()
    {
        var shipped = new[]
        {
            Best(OptimizerCatalog.Adam, 0.2917, 34, 0.003), Best(OptimizerCatalog.Adam, 0.35, 20, 0.003),
            Best(OptimizerCatalog.Sgd, 1.9288, 10, 0.1), Best(OptimizerCatalog.PolyakSgd, 3.151, 6), Best(OptimizerCatalog.SpsMax, 1.6155, 10),
        };
        var text = string.Join("\n", ChildSpeechLesson.Describe(shipped, 0.2514, 3.09, Ladder(9.4), 55).All);
        Assert.Contains("Adam (lr 0.003) got to 0.292 nats per character on validation at epoch 34, 0.040 above the floor.", text);   // the better Adam
        Assert.Contains("Constant SGD (lr 0.1): 1.93 at epoch 10.", text);
        Assert.Contains("at best 3.15 (epoch 6), above the unigram level 3.09", text);
        Assert.Contains("SPS_max caps that step (α ≤ 1): 1.62 at epoch 10.", text);
        Assert.Contains("Adam 0.341 < Polyak (f* = 0) 0.358 < SGD 0.370.", text);
        Assert.Contains("(tiny): Adam 0.292 < SGD 1.929 < Polyak (f* = 0) 3.151 — not the report's ordering.", text);
        // 9.4 s × 55 steps × 200 epochs = 28.7 hours
        Assert.Contains("The report's own model here: its step took 9.4 s at batch 16", text);
        Assert.Contains("11,000 steps of it: about 29 hours per optimizer, 86 for the three.", text);
    }

    [Fact]
    public void TheReportsOrderingIsRecognisedAndMissingPartsAreLeftOut()
    {
        var shipped = new[] { Best(OptimizerCatalog.Adam, 0.30, 40), Best(OptimizerCatalog.PolyakSgd, 0.31, 40), Best(OptimizerCatalog.Sgd, 0.33, 40) }
            .Select(m => m with { Preset = null, BatchSize = 16 }).ToArray();   // tiny's sizes with its dropout overridden: no preset
        var sentences = ChildSpeechLesson.Describe(shipped, 0.2514, 3.09, ladder: null, 55).Sentences;
        Assert.Contains(sentences, s => s.EndsWith("(96-dim, 4 heads, 3 layers, context 128, dropout 0, batch 16): Adam 0.300 < Polyak (f* = 0) 0.310 < SGD 0.330 — the same ordering.", StringComparison.Ordinal));
        Assert.Contains(sentences, s => s.Contains("below the unigram level 3.09, the loss of a model that ignores context"));
        Assert.DoesNotContain(sentences, s => s.Contains("hours"));
        Assert.DoesNotContain(sentences, s => s.Contains("SPS_max"));
        Assert.Single(ChildSpeechLesson.Describe([Best(OptimizerCatalog.Adam, 0.3, 1)], 0.25, 3.09, null, 55).All);   // no ordering without all three
    }

    /// <summary>A run folder as the CLI leaves it (written by <see cref="RunFolder"/>), read back.</summary>
    private static RunFolderContent Measured(string root, string optimizer, OptimizerSettings options, double[] valLoss, double maxStep = 1, double meanStep = 0.5, int seed = 0)
    {
        string name = seed == 0 ? optimizer : $"{optimizer}-seed{seed}";
        var request = new RunRequest
        {
            Problem = "child-speech", Optimizer = optimizer, OptimizerOptions = options, BatchSize = 16, Epochs = valLoss.Length, Seed = seed,
            ProblemOptions = new ProblemOptions { Text = new TextOptions { Preset = "tiny", Dropout = 0.2 } },
        };
        using (var folder = new RunFolder(root, name, []))
        {
            for (int e = 0; e < valLoss.Length; e++) folder.OnEpoch(new EpochRecord(e, valLoss[e] - 0.01, null) { ValLoss = valLoss[e] });
            folder.WriteSummary(new RunSummary { Status = RunStatus.Cancelled, Request = request, Seconds = 1500, MaxStepSize = maxStep, MeanStepSize = meanStep });
        }
        return RunFolderContent.Read(Path.Combine(root, name));
    }

    [Fact]
    public void MeasuredRunsAreComparedAtTheEpochAllReachedAndPolyaksClimbsAreCounted()
    {
        using var folder = new PolyakCore.Tests.Text.TextFixtures.TempFolder();
        var runs = new[]
        {
            Measured(folder.Path, OptimizerCatalog.Sgd, new() { Lr = 0.01 }, [3.8, 2.7, 2.5, 2.3, 2.2, 2.1]),
            Measured(folder.Path, OptimizerCatalog.Adam, new() { Lr = 0.001, Beta2 = 0.9999 }, [3.8, 2.0, 1.2, 0.8, 0.6]),   // one epoch short
            Measured(folder.Path, OptimizerCatalog.PolyakSgd, new() { FStar = 0 }, [3.8, 4.5, 2.9, 3.3, 5.0, 1.0], maxStep: 64.8, meanStep: 5.07),
        };
        var text = string.Join("\n", ChildSpeechLesson.Describe([], 0.25, 3.09, null, 55, runs).All);
        Assert.Contains("on the tiny model (batch 16, dropout 0.2; SGD lr 0.01; Adam lr 0.001, β₁ 0.9, β₂ 0.9999; Polyak (f* = 0) with no cap)", text);
        // At epoch 4, the last all three reached: Polyak's 1.0 at epoch 5 is not compared.
        Assert.Contains("validation after 4 epochs (up to 25 minutes a run, wall-clock): Adam 0.60 < SGD 2.20 < Polyak (f* = 0) 5.00 — not the report's ordering.", text);
        Assert.Contains("above the unigram level (3.09) in 3 of its 4 epochs after epoch 0, between 2.90 and 5.00; its step reached 65 (mean 5.1).", text);
        // Had it ended at epoch 5 (1.0): the last climb and the epochs since are named.
        var alone = string.Join("\n", ChildSpeechLesson.Describe([], 0.25, 3.09, null, 55, [runs[2]]).Sentences);
        Assert.Contains("in 3 of its 5 epochs after epoch 0, the last time at epoch 4 (below it for the 1 epoch since); until then between 2.90 and 5.00; its step", alone);
        Assert.Equal(3, Directory.GetDirectories(folder.Path).Length);
    }

    [Fact]
    public void SeveralSeedsAreRankedSeedBySeedAndCountedAgainstTheReport()
    {
        using var folder = new PolyakCore.Tests.Text.TextFixtures.TempFolder();
        OptimizerSettings sgd = new() { Lr = 0.01 }, adam = new() { Lr = 0.001 }, polyak = new() { FStar = 0 };
        var runs = new[]
        {
            Measured(folder.Path, OptimizerCatalog.Sgd, sgd, [3.8, 2.7, 2.5, 2.3, 2.2, 2.1]),
            Measured(folder.Path, OptimizerCatalog.Adam, adam, [3.8, 2.0, 1.2, 0.8, 0.6, 0.5]),
            Measured(folder.Path, OptimizerCatalog.PolyakSgd, polyak, [3.8, 4.5, 2.9, 3.3, 1.0, 0.9], maxStep: 64.8, meanStep: 5.07),
            Measured(folder.Path, OptimizerCatalog.Sgd, sgd, [3.8, 2.7, 2.5, 2.3, 2.2, 2.0], seed: 1),
            Measured(folder.Path, OptimizerCatalog.Adam, adam, [3.8, 2.0, 1.2, 0.8, 0.6, 0.4], seed: 1),
            Measured(folder.Path, OptimizerCatalog.PolyakSgd, polyak, [3.8, 3.5, 3.4, 3.3, 3.2, 3.1], maxStep: 20, meanStep: 3, seed: 1),
            Measured(folder.Path, OptimizerCatalog.Adam, adam, [3.8, 2.0, 1.2, 0.8, 0.6, 0.45], seed: 2),   // a seed without the others
        };
        var lesson = ChildSpeechLesson.Describe([], 0.25, 3.09, null, 55, runs);
        var sentences = lesson.All.ToList();
        var text = string.Join("\n", sentences);
        // The per-seed account of Polyak's first phase is its own part (the page folds it); the counts stay in the sentences.
        Assert.Equal(["With seed 0,", "With seed 1,"], lesson.PerSeed.Select(s => s[..12]));
        Assert.DoesNotContain(lesson.Sentences, s => s.StartsWith("With seed", StringComparison.Ordinal));
        Assert.Contains(lesson.Sentences, s => s.StartsWith("Polyak SGD ended below the unigram level", StringComparison.Ordinal));
        Assert.Contains("(batch 16, dropout 0.2; SGD lr 0.01; Adam lr 0.001, β₁ 0.9, β₂ 0.999; Polyak (f* = 0) with no cap)", text);   // each optimizer once
        Assert.Contains("validation after 5 epochs (up to 25 minutes a run, wall-clock), seed by seed: seed 0: Adam 0.50 < Polyak (f* = 0) 0.90 < SGD 2.10; " +
            "seed 1: Adam 0.40 < SGD 2.00 < Polyak (f* = 0) 3.10; seed 2: Adam 0.45 — the report's ordering in 1 of 2 seeds with all three.", text);
        Assert.Contains("With seed 0, Polyak SGD's validation loss was above the unigram level (3.09) in 2 of its 5 epochs after epoch 0, the last time at epoch 3 (below it for the 2 epochs since); until then between 2.90 and 4.50; its step reached 65", text);
        Assert.Contains("With seed 1, Polyak SGD's validation loss was above the unigram level (3.09) in 5 of its 5 epochs after epoch 0, between 3.10 and 3.50; its step reached 20 (mean 3.0).", text);
        Assert.Contains("Polyak SGD ended below the unigram level (3.09) in 1 of its 2 seeds; in seed 1 it had not left its oscillating phase after 5 epochs.", text);
        Assert.DoesNotContain(sentences, s => s.StartsWith("There ", StringComparison.Ordinal));
    }

    [Fact]
    public void AFolderThatIsNotARunSaysWhich()
    {
        using var folder = new PolyakCore.Tests.Text.TextFixtures.TempFolder();
        File.WriteAllText(folder.File("summary.json"), "{}");
        File.WriteAllText(folder.File("epochs.csv"), "step,loss\n1,2\n");
        Assert.Contains("epochs.csv does not start with", Assert.Throws<InvalidDataException>(() => RunFolderContent.Read(folder.Path)).Message);
    }
}
