using PolyakCore.Optimization;
using PolyakCore.Problems;
using PolyakCore.Training;

namespace PolyakCore.Tests.Training;

public class TrajectoryBatchTests
{
    [Fact]
    public void EachRowMatchesTheSingleRunOfItsRequest()
    {
        // Short runs: the rows sum in another order than single runs, and erratic rules (polyak-adam's
        // steps reach 10⁴) amplify that rounding over hundreds of steps.
        using var problem = MultiLinearProblem.Create(noise: 1.0);
        var requests = OptimizerCatalog.Names.Select((name, i) => new RunRequest
        {
            Problem = "multi-linear", ProblemOptions = new() { Noise = 1.0 }, Optimizer = name,
            BatchSize = i % 2 == 0 ? 32 : 50, Epochs = 1 + i % 2, Seed = i,
        }).ToArray();
        var batched = requests.Select(_ => new RunRecorder()).ToArray();
        var summaries = TrajectoryBatch.Run(problem, requests, i => batched[i]);
        for (int i = 0; i < requests.Length; i++)
        {
            var single = new RunRecorder();
            var expected = Trainer.Run(problem, requests[i], single);
            Assert.Equal(expected.Status, summaries[i].Status);
            Assert.Equal(single.Batches.Count, batched[i].Batches.Count);
            Assert.Equal(single.Epochs.Count, batched[i].Epochs.Count);
            for (int s = 0; s < single.Batches.Count; s++)
            {
                Assert.Equal(single.Batches[s].Step, batched[i].Batches[s].Step);
                Assert.Equal(single.Batches[s].Epoch, batched[i].Batches[s].Epoch);
                Assert.Equal(single.Batches[s].Loss, batched[i].Batches[s].Loss, 1e-6 * (1 + single.Batches[s].Loss));
                Assert.Equal(single.Batches[s].StepSize, batched[i].Batches[s].StepSize, 1e-6 * (1 + Math.Abs(single.Batches[s].StepSize)));
            }
            Assert.Equal(expected.Parameters, summaries[i].Parameters, new Tolerance(1e-6 * (1 + expected.Parameters.Max(Math.Abs))));
            Assert.Equal(expected.FinalLoss, summaries[i].FinalLoss, 1e-6 * (1 + expected.FinalLoss));
        }
    }

    [Fact]
    public void TwoWellRowsEndInTheSameWellAsSingleRuns()
    {
        using var problem = TwoWellProblem.Create();
        double[][] starts = [[3, 3], [0, 0], [-3, -4], [2, -6], [-6, 1]];
        var requests = starts.SelectMany(s => new[] { "sgd", "polyak-sgd", "adam" }.Select(o => new RunRequest
        {
            Problem = "two-well", ProblemOptions = new() { Start = s }, Optimizer = o, BatchSize = 5, Epochs = 30,
            OptimizerOptions = new() { Lr = o == "sgd" ? 0.01 : 0.1 },
        })).ToArray();
        var summaries = TrajectoryBatch.Run(problem, requests);
        for (int i = 0; i < requests.Length; i++)
        {
            var single = Trainer.Run(problem, requests[i]);
            Assert.Equal(problem.WellOf(single.Parameters), problem.WellOf(summaries[i].Parameters));
        }
    }

    [Fact]
    public void DivergedRowStopsWhileTheOthersGoOn()
    {
        using var problem = NoisyLinearProblem.Create();
        var ok = new RunRequest { Problem = "noisy-linear", Optimizer = "sgd", BatchSize = 100, Epochs = 20 };
        var bad = ok with { OptimizerOptions = new() { Lr = 10 } };
        var summaries = TrajectoryBatch.Run(problem, [ok, bad]);
        Assert.Equal(RunStatus.Completed, summaries[0].Status);
        Assert.Equal(RunStatus.Diverged, summaries[1].Status);
        Assert.Equal([3.0, 1.0], summaries[0].Parameters, new Tolerance(1e-2));
    }

    /// <summary>Rows of one data set and seed share one shuffle and one gather: a row whose twin diverged (the one that
    /// drew and gathered the order first) still gets every epoch's points, and its records are its single run's.</summary>
    [Fact]
    public void ARowWhoseTwinDivergedKeepsItsOrder()
    {
        using var problem = NoisyLinearProblem.Create(noise: 1.0);
        // Constant SGD: Polyak's f* = 0 under noise is chaotic, and turns summation-order rounding into other trajectories.
        var ok = new RunRequest { Problem = "noisy-linear", ProblemOptions = new() { Noise = 1.0 }, Optimizer = "sgd", OptimizerOptions = new() { Lr = 0.05 }, BatchSize = 16, Epochs = 5, Seed = 3 };
        var bad = ok with { OptimizerOptions = new() { Lr = 10 } };
        var records = new[] { new RunRecorder(), new RunRecorder() };
        var summaries = TrajectoryBatch.Run(problem, [bad, ok], i => records[i]);
        Assert.Equal(RunStatus.Diverged, summaries[0].Status);
        Assert.True(records[0].Batches.Count < 63, $"the twin diverged after {records[0].Batches.Count} steps, within its first epoch");
        var single = new RunRecorder();
        var expected = Trainer.Run(problem, ok, single);
        Assert.Equal(single.Batches.Count, records[1].Batches.Count);
        for (int s = 0; s < single.Batches.Count; s++)
            Assert.Equal(single.Batches[s].Loss, records[1].Batches[s].Loss, 1e-6 * (1 + single.Batches[s].Loss));   // summation order aside
        Assert.Equal(expected.Parameters, summaries[1].Parameters, new Tolerance(1e-6));
    }
}
