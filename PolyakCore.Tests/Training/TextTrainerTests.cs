using PolyakCore.Optimization;
using PolyakCore.Tests.Text;
using PolyakCore.Text;
using PolyakCore.Training;

namespace PolyakCore.Tests.Training;

public class TextTrainerTests
{
    private static RunRequest Request(string optimizer = "adam", int epochs = 2, OptimizerSettings? options = null) => new()
    {
        Problem = "child-speech",
        ProblemOptions = new() { Text = new() { Corpus = "kids", NEmbd = 32, NHead = 4, NLayer = 1, Block = 32, EvalBatches = 2 } },
        Optimizer = optimizer,
        OptimizerOptions = options ?? new() { Lr = 3e-3 },
        BatchSize = 16,
        Epochs = epochs,
        Seed = 7,
    };

    private static TextEnvironment Environment(TextFixtures.TempFolder folder, string runId = "run-1")
    {
        var corpora = System.IO.Path.Combine(folder.Path, "corpora");
        Directory.CreateDirectory(corpora);
        File.WriteAllText(System.IO.Path.Combine(corpora, "kids.txt"), ChildSpeechCorpus.Generate(600, seed: 5));
        return new TextEnvironment(new CorpusLibrary(corpora), System.IO.Path.Combine(folder.Path, "checkpoints"), runId);
    }

    [Fact]
    public void TrainingStreamsStepsAndEpochLossesAndWritesCheckpoints()
    {
        using var folder = new TextFixtures.TempFolder();
        var environment = Environment(folder);
        var recorder = new RunRecorder();
        var summary = TextTrainer.Run(Request(), environment, recorder);

        Assert.Equal(RunStatus.Completed, summary.Status);
        var plan = TextTrainer.Plan(Request(), environment.Corpora);
        Assert.Equal(plan.TotalSteps, summary.Steps);
        Assert.Equal(plan.TotalSteps, recorder.Batches.Count);
        Assert.Equal([0, 1, 2], recorder.Epochs.Select(e => e.Epoch));
        Assert.All(recorder.Epochs, e => Assert.NotNull(e.ValLoss));
        Assert.True(recorder.Epochs[^1].Loss < recorder.Epochs[0].Loss - 0.5, "two epochs must lower the training loss");
        Assert.True(recorder.Epochs[^1].ValLoss < recorder.Epochs[0].ValLoss - 0.5);
        Assert.All(recorder.Batches, b => Assert.Equal(3e-3, b.StepSize));
        Assert.True(recorder.Batches.Zip(recorder.Batches.Skip(1)).All(p => p.Second.Seconds >= p.First.Seconds));
        Assert.Equal(recorder.Epochs[^1].ValLoss, summary.ValLoss);

        Assert.Equal(["run-1-best", "run-1-last"], summary.Checkpoints!.Order());
        var library = new CheckpointLibrary(environment.CheckpointFolder!);
        var best = library.List().Single(c => c.Name == "run-1-best").Metadata;
        Assert.Equal("kids", best.Corpus);
        Assert.Equal("adam", best.Optimizer);
        Assert.Equal(summary.BestValLoss, best.ValLoss);
        Assert.Equal(string.Concat(plan.Corpus.Tokenizer.Vocabulary), best.Vocabulary);
        using var loaded = library.Load("run-1-last");
        Assert.Equal(plan.Config, loaded.Model.Config);
    }

    /// <summary>1d's optional MoMo-Adam trains the character model through the catalogue: its model terms are summed over
    /// every parameter tensor, its step never exceeds the cap (Adam's 3e-3: far from the optimum the model's step is larger,
    /// so MoMo-Adam moves as Adam does there), and two epochs lower the loss like Adam's.</summary>
    [Fact]
    public void MomoAdamTrainsTheCharacterModel()
    {
        using var folder = new TextFixtures.TempFolder();
        var recorder = new RunRecorder();
        var summary = TextTrainer.Run(Request("momo-adam"), Environment(folder), recorder);
        Assert.Equal(RunStatus.Completed, summary.Status);
        Assert.True(recorder.Epochs[^1].Loss < recorder.Epochs[0].Loss - 0.5, $"{recorder.Epochs[0].Loss} → {recorder.Epochs[^1].Loss}");
        Assert.All(recorder.Batches, b => Assert.InRange(b.StepSize, 0, 3e-3));
    }

    /// <summary>Steps are counted in 64 bits: a tiny model at batch 1 with an 8-character context over a 20-million
    /// character corpus for 1,000 epochs is 2.25 billion steps (it wrapped round to a negative int), and the limits refuse it.</summary>
    [Fact]
    public void TotalStepsAre64BitAndTheLimitsRefuseAHugeRun()
    {
        using var folder = new TextFixtures.TempFolder();
        var corpora = System.IO.Path.Combine(folder.Path, "corpora");
        Directory.CreateDirectory(corpora);
        var line = "mama up more milk\n";
        File.WriteAllText(System.IO.Path.Combine(corpora, "big.txt"), string.Concat(Enumerable.Repeat(line, 20_000_000 / line.Length + 1)));
        var request = new RunRequest
        {
            Problem = "child-speech", Optimizer = "sgd", BatchSize = 1, Epochs = 1000,
            ProblemOptions = new() { Text = new() { Corpus = "big", Preset = "tiny", Block = 8 } },
        };
        var plan = TextTrainer.Plan(request, new CorpusLibrary(corpora));
        Assert.Equal((long)plan.IterationsPerEpoch * 1000, plan.TotalSteps);
        Assert.True(plan.TotalSteps > int.MaxValue, $"{plan.TotalSteps}");
        var error = Assert.Single(TextTrainer.CheckSize(request, plan, RunLimits.Default));
        Assert.Equal("epochs", error.Field);
        Assert.Contains($"{plan.TotalSteps:N0} steps", error.Message);
        Assert.Throws<RunValidationException>(() => TextTrainer.Run(request, new TextEnvironment(new CorpusLibrary(corpora)), limits: RunLimits.Default));
    }

    [Fact]
    public void SameSeedGivesTheSameNumbers()
    {
        using var folder = new TextFixtures.TempFolder();
        var environment = Environment(folder) with { CheckpointFolder = null };
        var a = new RunRecorder();
        var b = new RunRecorder();
        TextTrainer.Run(Request("polyak-sgd", epochs: 1), environment, a);
        TextTrainer.Run(Request("polyak-sgd", epochs: 1), environment, b);
        Assert.Equal(a.Batches.Select(r => r.Loss), b.Batches.Select(r => r.Loss));
        Assert.Equal(a.Batches.Select(r => r.StepSize), b.Batches.Select(r => r.StepSize));
        Assert.All(a.Batches, r => Assert.True(r.StepSize > 0 && double.IsFinite(r.StepSize)));
    }

    [Fact]
    public void AnExplodingRunEndsAsDiverged()
    {
        using var folder = new TextFixtures.TempFolder();
        var summary = TextTrainer.Run(Request("sgd", epochs: 3, new() { Lr = 1e9 }), Environment(folder) with { CheckpointFolder = null });
        Assert.Equal(RunStatus.Diverged, summary.Status);
        Assert.Contains("Diverged", summary.Message);
    }

    [Fact]
    public void CancellingStopsAtTheNextStep()
    {
        using var folder = new TextFixtures.TempFolder();
        using var cancel = new CancellationTokenSource();
        var sink = new CancelAfter(3, cancel);
        var summary = TextTrainer.Run(Request(epochs: 5), Environment(folder), sink, cancel.Token);
        Assert.Equal(RunStatus.Cancelled, summary.Status);
        Assert.Equal(3, summary.Steps);
    }

    [Fact]
    public void ValidationNamesEveryBadTextField()
    {
        var bad = Request() with
        {
            BatchSize = 0, Epochs = 0,
            ProblemOptions = new() { Points = 5, Text = new() { Preset = "huge", NEmbd = 3, NLayer = 0, Block = 5000, Dropout = 1.5, Corpus = "../x", EvalBatches = 0 } },
        };
        var fields = RunValidation.Validate(bad).Select(e => e.Field).ToHashSet();
        foreach (var field in new[] { "batchSize", "epochs", "problemOptions", "problemOptions.text.preset", "problemOptions.text.nEmbd",
                     "problemOptions.text.nLayer", "problemOptions.text.block", "problemOptions.text.dropout", "problemOptions.text.corpus", "problemOptions.text.evalBatches" })
            Assert.Contains(field, fields);

        var tooBig = Request() with { ProblemOptions = new() { Text = new() { NEmbd = 1024, NLayer = 24, NHead = 8 } } };
        Assert.Contains(RunValidation.Validate(tooBig), e => e.Message.Contains("parameters"));
        var heads = Request() with { ProblemOptions = new() { Text = new() { NEmbd = 30, NHead = 4 } } };
        Assert.Contains(RunValidation.Validate(heads), e => e.Field == "problemOptions.text.nHead");
        var path = Request() with { ProblemOptions = new() { Text = new() { CorpusPath = "/etc/passwd" } } };
        Assert.Contains(RunValidation.Validate(path, RunLimits.Default with { AllowCorpusPaths = false }), e => e.Field == "problemOptions.text.corpusPath");
        Assert.Empty(RunValidation.Validate(Request()));
        Assert.Contains(RunValidation.Validate(new RunRequest { Problem = "quadratic", ProblemOptions = new() { Text = new() } }), e => e.Field == "problemOptions.text");
    }

    /// <summary>A batch too large for one pass is trained in passes whose means are weighted by their rows: the same loss,
    /// gradient and step as one pass (up to summation order).</summary>
    [Fact]
    public void ABatchTrainedInPassesStepsAsInOnePass()
    {
        var text = ChildSpeechCorpus.Generate(300, seed: 5);
        var tokenizer = CharTokenizer.Of(text);
        var ids = tokenizer.Encode(text);
        var config = new GptConfig(tokenizer.Size, 32, 4, 1, 32, 0.0);
        (StepRecord Record, float[] Weights) Step(int rowsPerPass)
        {
            using var model = new CharGpt(config, seed: 3);
            using var batches = new TextBatches(ids, config.Block, batch: 12, seed: 9);
            using var optimizer = OptimizerCatalog.Create(OptimizerCatalog.PolyakSgd, new(), model.parameters(), 10);
            var record = TextTrainer.TrainStep(model, optimizer, batches, rowsPerPass, evaluationRows: 12, CancellationToken.None);
            return (record, [.. model.parameters().SelectMany(p => p.data<float>().ToArray())]);
        }
        var whole = Step(12);
        var passes = Step(5);                                  // 5 + 5 + 2 rows
        Assert.Equal(whole.Record.Loss, passes.Record.Loss, 1e-5);
        Assert.Equal(whole.Record.GradNormSq, passes.Record.GradNormSq, whole.Record.GradNormSq * 1e-4);
        Assert.Equal(whole.Record.StepSize, passes.Record.StepSize, whole.Record.StepSize * 1e-4);
        Assert.True(whole.Record.StepSize > 0);
        Assert.Equal(whole.Weights.Length, passes.Weights.Length);
        for (int i = 0; i < whole.Weights.Length; i++) Assert.Equal(whole.Weights[i], passes.Weights[i], 1e-5f);
    }

    private sealed class CancelAfter(int steps, CancellationTokenSource cancel) : IRunSink
    {
        public void OnBatch(BatchRecord record) { if (record.Step == steps) cancel.Cancel(); }
        public void OnEpoch(EpochRecord record) { }
    }
}
