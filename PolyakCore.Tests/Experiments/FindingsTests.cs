using PolyakCore.Experiments;
using PolyakCore.Problems;
using PolyakCore.Training;

namespace PolyakCore.Tests.Experiments;

/// <summary>What the experiment pages tell students, checked against the catalogue's default runs.</summary>
public class FindingsTests
{
    private static RunSummary Run(string experiment, Func<RunRequest, bool> pick, Func<RunRequest, RunRequest>? change = null)
    {
        var request = ExperimentCatalog.Get(experiment).Runs.Single(pick);
        return Trainer.Run(change is null ? request : change(request));
    }

    [Fact]
    public void TwoWell_PolyakEscapesOnlyAtBatchTwo()
    {
        using var problem = TwoWellProblem.Create();
        Assert.Equal("global", problem.WellOf(Run("1c", r => r.BatchSize == 2 && r.Optimizer == "polyak-sgd").Parameters));
        foreach (var batch in new[] { 5, 10, 25 })
            Assert.Equal("local", problem.WellOf(Run("1c", r => r.BatchSize == batch && r.Optimizer == "polyak-sgd").Parameters));
    }

    [Fact]
    public void TwoWell_SgdOnTheStabilityEdgeOvershootsOutButBelowItStaysStuckAtFullBatch()
    {
        using var problem = TwoWellProblem.Create();
        Assert.Equal("global", problem.WellOf(Run("1c", r => r.BatchSize == 25 && r.Optimizer == "sgd").Parameters));
        var slower = Run("1c", r => r.BatchSize == 25 && r.Optimizer == "sgd", r => r with { OptimizerOptions = new() { Lr = 0.04 } });
        Assert.Equal("local", problem.WellOf(slower.Parameters));
    }

    [Fact]
    public void NoisyLinear_PolyakEndsAboveTheFloorAtEveryBatchWhileSgdReachesIt()
    {
        foreach (var batch in new[] { 16, 64, 256, 1000 })
        {
            var polyak = Run("1b", r => r.ProblemOptions.Noise == 5 && r.BatchSize == batch && r.Optimizer == "polyak-sgd");
            var sgd = Run("1b", r => r.ProblemOptions.Noise == 5 && r.BatchSize == batch && r.Optimizer == "sgd");
            Assert.True(polyak.FinalLoss > 1.1 * polyak.OptimalLoss!.Value, $"batch {batch}: polyak {polyak.FinalLoss} vs floor {polyak.OptimalLoss}");
            Assert.True(sgd.FinalLoss < 1.01 * sgd.OptimalLoss!.Value, $"batch {batch}: sgd {sgd.FinalLoss} vs floor {sgd.OptimalLoss}");
            Assert.True(polyak.MaxStepSize > 1000, $"batch {batch}: max Polyak step {polyak.MaxStepSize}");
        }
    }

    [Fact]
    public void PolyakAdam_IsFarFromTheFloorUncappedCorrectedDivergesCappedCorrectedIsClose()
    {
        bool Low(RunRequest r) => r.ProblemOptions.Noise == 0.1;
        var report = Run("1e", r => Low(r) && r.Optimizer == "polyak-adam");
        var corrected = Run("1e", r => Low(r) && r.Optimizer == "polyak-adam-corrected");
        var uncapped = Run("1e", r => Low(r) && r.Optimizer == "polyak-adam-corrected",
            r => r with { OptimizerOptions = r.OptimizerOptions with { MaxStep = double.PositiveInfinity } });
        var adam = Run("1e", r => Low(r) && r.Optimizer == "adam");
        double floor = adam.OptimalLoss!.Value;
        Assert.True(report.FinalLoss > 5 * floor, $"polyak-adam {report.FinalLoss} vs floor {floor}");
        Assert.True(corrected.FinalLoss < 1.5 * floor, $"capped corrected {corrected.FinalLoss} vs floor {floor}");
        Assert.Equal(RunStatus.Diverged, uncapped.Status);
        Assert.True(adam.FinalLoss < 1.01 * floor);
    }
}
