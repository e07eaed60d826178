using PolyakCore.Optimization;
using PolyakCore.Problems;
using PolyakCore.Training;

namespace PolyakCore.Tests.Training;

public class TrainerTests
{
    [Fact]
    public void QuadraticWithPolyakSgdConvergesToTheTruth()
    {
        var summary = Trainer.Run(new RunRequest { Problem = "quadratic", Optimizer = "polyak-sgd", BatchSize = 32, Epochs = 500 });
        Assert.Equal(RunStatus.Completed, summary.Status);
        Assert.Equal([0.0, 2.0, 1.0], summary.Parameters, new Tolerance(1e-3));
        Assert.True(summary.FinalLoss < 1e-8, $"final loss {summary.FinalLoss}");
        Assert.Equal(500 * 32, summary.Steps);   // 1000 points / 32 = 31.25 → 32 batches
    }

    /// <summary>Each answer to the unknown f* (and SGD with momentum) on 1a: with interpolation it must still reach the
    /// optimum (0, 2, 1), its bound ℓ* = 0 being f* there.</summary>
    [Theory]
    [InlineData("decsps")]
    [InlineData("adasps")]
    [InlineData("sgd-momentum")]
    [InlineData("momo")]
    [InlineData("momo-star")]
    [InlineData("momo-adam")]
    public void QuadraticWithEachFStarFixReachesTheOptimum(string optimizer)
    {
        var summary = Trainer.Run(new RunRequest { Problem = "quadratic", Optimizer = optimizer, BatchSize = 32, Epochs = 500 });
        Assert.Equal(RunStatus.Completed, summary.Status);
        Assert.True(summary.FinalLoss < 1e-8, $"{optimizer}: final loss {summary.FinalLoss}, θ = ({string.Join(", ", summary.Parameters)})");
        Assert.Equal([0.0, 2.0, 1.0], summary.Parameters, new Tolerance(1e-3));
    }

    [Theory]
    [InlineData("polyak-sgd")]
    [InlineData("sgd")]
    public void NoiselessLinearReachesThreeAndOne(string optimizer)
    {
        var summary = Trainer.Run(new RunRequest
        {
            Problem = "noisy-linear", ProblemOptions = new() { Noise = 0 }, Optimizer = optimizer, BatchSize = 16, Epochs = 100,
        });
        Assert.Equal(RunStatus.Completed, summary.Status);
        Assert.Equal([3.0, 1.0], summary.Parameters, new Tolerance(1e-3));
    }

    [Fact]
    public void NoisyPolyakEndsAboveTheLeastSquaresFloorWhileSgdReachesIt()
    {
        RunSummary Run(string optimizer) => Trainer.Run(new RunRequest
        {
            Problem = "noisy-linear", ProblemOptions = new() { Noise = 5 }, Optimizer = optimizer, BatchSize = 256, Epochs = 100,
        });
        var polyak = Run("polyak-sgd");
        var sgd = Run("sgd");
        Assert.True(sgd.FinalLoss < sgd.OptimalLoss!.Value * 1.01, $"sgd {sgd.FinalLoss} vs floor {sgd.OptimalLoss}");
        Assert.True(polyak.FinalLoss > polyak.OptimalLoss!.Value * 1.05, $"polyak {polyak.FinalLoss} vs floor {polyak.OptimalLoss}");
        Assert.True(polyak.MaxStepSize > 100, $"max Polyak step {polyak.MaxStepSize}");
    }

    [Fact]
    public void SameRequestGivesIdenticalRecordsAndOtherSeedsDiffer()
    {
        var request = new RunRequest { Problem = "noisy-linear", ProblemOptions = new() { Noise = 1 }, Optimizer = "polyak-sgd", BatchSize = 16, Epochs = 3 };
        var a = new RunRecorder(); var b = new RunRecorder(); var c = new RunRecorder();
        Trainer.Run(request, a);
        Trainer.Run(request, b);
        Trainer.Run(request with { Seed = 1 }, c);
        Assert.Equal(a.Batches.Count, b.Batches.Count);
        for (int i = 0; i < a.Batches.Count; i++)
        {
            Assert.Equal(a.Batches[i].Loss, b.Batches[i].Loss);
            Assert.Equal(a.Batches[i].StepSize, b.Batches[i].StepSize);
            Assert.Equal(a.Batches[i].Parameters, b.Batches[i].Parameters);
        }
        Assert.NotEqual(a.Batches.Select(r => r.Loss), c.Batches.Select(r => r.Loss));
    }

    [Fact]
    public void ConstantLrTenDivergesAndSaysWhere()
    {
        var recorder = new RunRecorder();
        var summary = Trainer.Run(new RunRequest { Problem = "noisy-linear", Optimizer = "sgd", OptimizerOptions = new() { Lr = 10 }, BatchSize = 16, Epochs = 100 }, recorder);
        Assert.Equal(RunStatus.Diverged, summary.Status);
        Assert.NotNull(summary.DivergedAtStep);
        Assert.True(summary.DivergedAtStep < summary.TotalSteps);
        Assert.Contains($"step {summary.DivergedAtStep}", summary.Message);
        Assert.Equal(summary.DivergedAtStep, recorder.Batches[^1].Step);
        Assert.True(double.IsFinite(summary.Parameters[0]), "the summary keeps the last finite parameters");
    }

    [Fact]
    public void CancellationStopsWithinOneStep()
    {
        using var cancel = new CancellationTokenSource();
        var recorder = new CancelAfter(5, cancel);
        var summary = Trainer.Run(new RunRequest { Problem = "quadratic", Epochs = 100 }, recorder, cancel.Token);
        Assert.Equal(RunStatus.Cancelled, summary.Status);
        Assert.Equal(5, summary.Steps);
    }

    [Fact]
    public void RecordsCarryEpochLossesFromTheStart()
    {
        var recorder = new RunRecorder();
        Trainer.Run(new RunRequest { Problem = "two-well", Optimizer = "sgd", OptimizerOptions = new() { Lr = 0.01 }, BatchSize = 5, Epochs = 4 }, recorder);
        Assert.Equal([0, 1, 2, 3, 4], recorder.Epochs.Select(e => e.Epoch));
        Assert.Equal(20, recorder.Batches.Count);
        Assert.Equal([3.0, 3.0], recorder.Epochs[0].Parameters!);
        Assert.All(recorder.Batches, r => Assert.Equal(2, r.Parameters!.Length));
    }

    [Fact]
    public void SumReductionScalesTheStepButNotThePolyakUpdate()
    {
        RunRecorder Run(Reduction reduction) { var r = new RunRecorder(); Trainer.Run(new RunRequest { Problem = "quadratic", BatchSize = 10, Epochs = 1, Reduction = reduction, OptimizerOptions = new() { Eps = 0 } }, r); return r; }
        var mean = Run(Reduction.Mean); var sum = Run(Reduction.Sum);
        Assert.Equal(mean.Batches[0].StepSize / 10, sum.Batches[0].StepSize, 1e-12);
        Assert.Equal(mean.Batches[0].Parameters!, sum.Batches[0].Parameters!, new Tolerance(1e-12));
        Assert.Equal(mean.Batches[^1].Parameters!, sum.Batches[^1].Parameters!, new Tolerance(1e-6));
    }

    [Fact]
    public void EveryNamedOptimizerRunsOnEveryProblem()
    {
        foreach (var problem in ProblemCatalog.Names.Where(p => p != ProblemCatalog.ChildSpeech))
            foreach (var optimizer in OptimizerCatalog.Names)
            {
                var s = Trainer.Run(new RunRequest { Problem = problem, Optimizer = optimizer, BatchSize = 5, Epochs = 1, ProblemOptions = new() { Points = 25 } });
                Assert.True(s.Status is RunStatus.Completed or RunStatus.Diverged, $"{problem}/{optimizer}: {s.Status} {s.Message}");
            }
    }

    private sealed class CancelAfter(int steps, CancellationTokenSource cancel) : IRunSink
    {
        public void OnBatch(BatchRecord record) { if (record.Step == steps) cancel.Cancel(); }
        public void OnEpoch(EpochRecord record) { }
    }
}
