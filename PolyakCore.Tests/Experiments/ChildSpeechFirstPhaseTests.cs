using PolyakCore.Experiments;
using PolyakCore.Export;
using PolyakCore.Optimization;
using PolyakCore.Problems;
using PolyakCore.Text;
using PolyakCore.Training;

namespace PolyakCore.Tests.Experiments;

public class ChildSpeechFirstPhaseTests
{
    /// <summary>A run folder as the CLI leaves it, read back; epoch 0 is the start (not counted).</summary>
    private static RunFolderContent Written(string root, string name, string optimizer, OptimizerSettings options, string preset, int batch, double? dropout,
        int seed, double[] valLoss, double meanStep = 0, double maxStep = 0)
    {
        var request = new RunRequest
        {
            Problem = "child-speech", Optimizer = optimizer, OptimizerOptions = options, BatchSize = batch, Epochs = valLoss.Length - 1, Seed = seed,
            ProblemOptions = new ProblemOptions { Text = new TextOptions { Preset = preset, Dropout = dropout } },
        };
        using (var folder = new RunFolder(root, name, []))
        {
            for (int e = 0; e < valLoss.Length; e++) folder.OnEpoch(new EpochRecord(e, valLoss[e], null) { ValLoss = valLoss[e] });
            folder.WriteSummary(new RunSummary { Status = RunStatus.Completed, Request = request, Seconds = 300, MeanStepSize = meanStep, MaxStepSize = maxStep });
        }
        return RunFolderContent.Read(Path.Combine(root, name));
    }

    /// <summary>A Polyak SGD run (f* = 0).</summary>
    private static RunFolderContent Probe(string root, string preset, int batch, double? dropout, int seed, double[] valLoss, double meanStep, double maxStep) =>
        Written(root, $"{preset}-b{batch}-d{dropout}-s{seed}", OptimizerCatalog.PolyakSgd, new() { FStar = 0 }, preset, batch, dropout, seed, valLoss, meanStep, maxStep);

    /// <summary>A constant-SGD run (the reproduction's kind).</summary>
    private static RunFolderContent Sgd(string root, string name, double lr, double[] valLoss) =>
        Written(root, name, OptimizerCatalog.Sgd, new() { Lr = lr }, "tiny", 16, null, 0, valLoss);

    [Fact]
    public void TheSentenceAndEachRunsLineComeFromTheFiles()
    {
        using var folder = new PolyakCore.Tests.Text.TextFixtures.TempFolder();
        var runs = new[]
        {
            Probe(folder.Path, "small", 16, 0.2, 0, [3.8, 4.0, 3.3, 2.9, 3.5, 5.1], meanStep: 4.36, maxStep: 51.7),
            Probe(folder.Path, "tiny", 8, 0.2, 1, [3.8, 4.8, 3.0, 2.9, 2.8, 2.7], meanStep: 1.5, maxStep: 20),     // settled: below 3.09 in epochs 3–5
            Probe(folder.Path, "tiny", 4, 0.2, 0, [3.8, 3.2, 3.3, 3.0, 3.2, 3.0], meanStep: 3.0, maxStep: 30),     // ends below, did not settle
            Probe(folder.Path, "tiny", 16, null, 0, [3.8, 4.1, 4.5, 7.7, 3.2, 3.7], meanStep: 3.97, maxStep: 78.4), // the preset's dropout (0)
        };
        var text = ChildSpeechFirstPhase.Describe(runs, 3.09, 0.01)!;
        Assert.Equal("Is that first phase a matter of batch, dropout or model size? 4 short runs of Polyak SGD (f* = 0, no cap; 5 epochs each; seeds 0 and 1): " +
            "small with dropout 0.2 at batch 16; tiny with dropout 0 at batch 16; tiny with dropout 0.2 at batch 4 and 8. " +
            "In 1 of them the validation loss stayed below the unigram level (3.09) through the second half of the run (from epoch 3 of 5); " +
            "in 2 it was above it at the last epoch. Their mean steps were 1.5 to 4.4: 150 to 436 times constant SGD's tuned learning rate (0.01).", text.Sentence);
        Assert.Equal([
            "small, batch 16, dropout 0.2, seed 0: above the unigram level in 4 of epochs 1–5, 5.100 at epoch 5; mean step 4.4, largest 52.",
            "tiny, batch 16, dropout 0, seed 0: above the unigram level in 5 of epochs 1–5, 3.700 at epoch 5; mean step 4.0, largest 78.",
            "tiny, batch 4, dropout 0.2, seed 0: above the unigram level in 3 of epochs 1–5, 3.000 at epoch 5; mean step 3.0, largest 30.",
            "tiny, batch 8, dropout 0.2, seed 1: above the unigram level in 1 of epochs 1–5, 2.700 at epoch 5 (settled); mean step 1.5, largest 20.",
        ], text.Runs);
    }

    [Fact]
    public void ConstantSgdsLongerRunsAreSetBesideThem()
    {
        using var folder = new PolyakCore.Tests.Text.TextFixtures.TempFolder();
        var probes = new[] { Probe(folder.Path, "tiny", 8, 0.2, 0, [3.8, 4.8, 3.0, 3.3], meanStep: 2, maxStep: 20) };
        RunFolderContent[] reference =
        [
            Sgd(folder.Path, "a", 0.01, [3.8, 2.9, 2.5, 2.2, 2.1, 1.0]),
            Sgd(folder.Path, "b", 0.01, [3.8, 3.2, 2.6, 2.3, 2.0]),
            Sgd(folder.Path, "c", 0.1, [3.8, 5.0, 5.0, 5.0]),           // another rate: not the tuned one
            Sgd(folder.Path, "d", 0.01, [3.8, 2.0]),                     // shorter than the short runs
        ];
        Assert.EndsWith("times constant SGD's tuned learning rate (0.01). Constant SGD at that rate, in the reproduction's 2 runs: below the unigram level by epoch 2, " +
            "never above it again, 2.20 to 2.30 at epoch 3.", ChildSpeechFirstPhase.Describe(probes, 3.09, 0.01, reference)!.Sentence);
        var climbing = reference.Append(Sgd(folder.Path, "e", 0.01, [3.8, 2.9, 3.5, 2.0])).ToArray();
        Assert.EndsWith("in the reproduction's 3 runs: below the unigram level by epoch 2, above it again later in 1, 2.00 to 2.30 at epoch 3.",
            ChildSpeechFirstPhase.Describe(probes, 3.09, 0.01, climbing)!.Sentence);
        Assert.EndsWith("(0.01).", ChildSpeechFirstPhase.Describe(probes, 3.09, 0.01, [reference[2]])!.Sentence);
        Assert.Null(ChildSpeechFirstPhase.Describe(reference, 3.09, 0.01));   // not Polyak SGD runs: nothing to describe
        Assert.Contains("; seed 0): tiny with dropout 0.2 at batch 8. In none of them the validation loss stayed below", ChildSpeechFirstPhase.Describe(probes, 3.09, 0.01)!.Sentence);
    }

    [Fact]
    public void WithoutValidationLossesThereIsNothingToSay()
    {
        using var folder = new PolyakCore.Tests.Text.TextFixtures.TempFolder();
        Assert.Null(ChildSpeechFirstPhase.Describe([], 3.09, 0.01));
        Assert.Null(ChildSpeechFirstPhase.Describe([Probe(folder.Path, "tiny", 8, 0.2, 0, [3.8], 1, 1)], 3.09, 0.01));   // only the start
    }
}
