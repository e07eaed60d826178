using PolyakCore.Explorer;
using PolyakCore.Problems;
using PolyakCore.Training;

namespace PolyakCore.Tests.Explorer;

public class ExplorerTests
{
    [Fact]
    public void RaceRunsEveryOptimizerFromTheStartAndLabelsTheirWells()
    {
        var result = TwoWellRace.Run(new RaceSettings { StartX = 3, StartY = 3, BatchSize = 2, Epochs = 50 });
        Assert.Equal(6, result.Lanes.Count);
        foreach (var lane in result.Lanes)
        {
            Assert.Equal(3.0, lane.X0[0]);
            Assert.Equal(3.0, lane.X1[0]);
            Assert.Equal(lane.Loss.Length + 1, lane.X0.Length);   // the start, then one point per step
            Assert.Contains(lane.Well, new[] { "local", "global", "elsewhere", "diverged" });
        }
        // The report's case: from (3, 3) at batch 2 both polyak-sgd and sgd reach the global well.
        Assert.Equal("global", result.Lanes.Single(l => l.Optimizer == "polyak-sgd").Well);
        Assert.Equal("global", result.Lanes.Single(l => l.Optimizer == "sgd").Well);
    }

    [Fact]
    public void RaceLanesMatchSingleRuns()
    {
        var settings = new RaceSettings { StartX = -2, StartY = 4, BatchSize = 5, Epochs = 10 };
        var result = TwoWellRace.Run(settings);
        foreach (var lane in result.Lanes)
        {
            var single = Trainer.Run(settings.ToRequest(lane.Optimizer));
            Assert.Equal(single.FinalLoss, lane.FinalLoss, 1e-6 * (1 + single.FinalLoss));
        }
    }

    [Fact]
    public void EscapeMapAgreesWithSingleRuns()
    {
        var template = new RaceSettings { BatchSize = 5, Epochs = 20 }.ToRequest("polyak-sgd");
        var map = EscapeMap.Compute(template, (-10, 6), (-12, 6), nx: 6, ny: 5);
        Assert.Equal(30, map.Wells.Length);
        using var problem = TwoWellProblem.Create();
        foreach (var (r, c) in new[] { (0, 0), (2, 3), (4, 5), (1, 4) })
        {
            var single = Trainer.Run(template with { ProblemOptions = template.ProblemOptions with { Start = [map.Xs[c], map.Ys[r]] } });
            Assert.Equal(problem.WellOf(single.Parameters), map.Wells[r * map.Xs.Length + c]);
        }
        Assert.Contains("global", map.Wells);
    }

    [Fact]
    public void BadSettingsNameTheirControl()
    {
        var errors = TwoWellRace.Validate(new RaceSettings { BatchSize = 0, Lr = -1, A = 0, Optimizers = ["sgd"] });
        Assert.Equal(["a", "batchSize", "lr"], errors.Select(e => e.Field).Order());
        Assert.Contains(TwoWellRace.Validate(new RaceSettings { StartX = 50 }), e => e.Field == "start");
        Assert.Contains(TwoWellRace.Validate(new RaceSettings { Optimizers = [] }), e => e.Field == "optimizers");
    }

    [Fact]
    public void RaceWithSeedsCountsEscapesOverMiniBatchOrdersAndKeepsTheFirstSeedsLane()
    {
        var one = TwoWellRace.Run(new RaceSettings { Optimizers = ["sgd", "polyak-sgd"], Epochs = 20 });
        var many = TwoWellRace.Run(new RaceSettings { Optimizers = ["sgd", "polyak-sgd"], Epochs = 20, Seeds = 6 });
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(one.Lanes[i].X0, many.Lanes[i].X0);                 // seed 0 is the single race's lane
            Assert.Equal(6, many.Lanes[i].Seeds);
            Assert.Equal(5, many.Lanes[i].OtherPaths.Count);
            int expected = Enumerable.Range(0, 6).Count(seed =>
                TwoWellRace.Run(new RaceSettings { Optimizers = [many.Lanes[i].Optimizer], Epochs = 20, Seed = seed }).Lanes[0].Well == "global");
            Assert.Equal(expected, many.Lanes[i].Escaped);
        }
        Assert.Contains(TwoWellRace.Validate(new RaceSettings { Seeds = 0 }), e => e.Field == "seeds");
    }

    [Fact]
    public void EscapeMapWithSeedsCountsEachCellsEscapes()
    {
        var template = new RaceSettings { Epochs = 15 }.ToRequest("polyak-sgd");
        var map = EscapeMap.Compute(template, (-10, 6), (-12, 6), nx: 4, ny: 3, seeds: 3);
        Assert.Equal(3, map.Seeds);
        Assert.Equal(36, map.Runs);
        for (int seed = 0; seed < 3; seed++)
        {
            var single = EscapeMap.Compute(template with { Seed = seed }, (-10, 6), (-12, 6), nx: 4, ny: 3);
            if (seed == 0) Assert.Equal(single.Wells, map.Wells);
        }
        var counts = Enumerable.Range(0, 3).Select(seed => EscapeMap.Compute(template with { Seed = seed }, (-10, 6), (-12, 6), nx: 4, ny: 3).Wells).ToArray();
        Assert.Equal(Enumerable.Range(0, 12).Select(c => counts.Count(w => w[c] == "global")), map.Escaped!);
        Assert.All(map.EscapeFraction, f => Assert.InRange(f, 0, 1));
    }
}
