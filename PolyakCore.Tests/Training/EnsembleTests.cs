using System.Diagnostics;
using PolyakCore.Experiments;
using PolyakCore.Problems;
using PolyakCore.Training;

namespace PolyakCore.Tests.Training;

public class EnsembleTests
{
    [Fact]
    public void QuantilesInterpolateBetweenOrderStatisticsAndInfinitySortsLast()
    {
        var s = Spread.Of([5, 1, 4, 2, 3]);
        Assert.Equal(3, s.Median);
        Assert.Equal(1.4, s.P10, 12);          // numpy.percentile([1..5], 10) = 1.4
        Assert.Equal(4.6, s.P90, 12);
        var withDiverged = Spread.Of([1, 2, 3, double.PositiveInfinity, double.PositiveInfinity]);
        Assert.Equal(3, withDiverged.Median);
        Assert.Equal(double.PositiveInfinity, withDiverged.P90);
    }

    [Fact]
    public void QuantilesOfAnyFewOrManyValuesWithTiesAndInfinitiesAreThoseOfTheSortedValues()
    {
        // Up to 64 values are ranked by vector compares, more sorted: both must give the quantiles of the sorted values,
        // ties (repeated values, several diverged seeds at +∞, −0 beside 0) included.
        var random = new Random(5);
        foreach (int n in new[] { 1, 2, 3, 4, 5, 7, 8, 9, 19, 20, 21, 33, 63, 64, 65, 200 })
            for (int trial = 0; trial < 50; trial++)
            {
                var values = Enumerable.Range(0, n).Select(_ => random.Next(6) switch
                {
                    0 => double.PositiveInfinity,
                    1 => Math.Round(random.NextDouble() * 3),        // ties
                    2 => random.Next(2) == 0 ? 0.0 : -0.0,
                    3 => double.NegativeInfinity,
                    _ => random.NextDouble() * 1e6 - 5e5,
                }).ToArray();
                var sorted = values.Order().ToArray();
                var spread = Spread.Of(values);
                Assert.Equal(Spread.Quantile(sorted, 0.1), spread.P10);
                Assert.Equal(Spread.Quantile(sorted, 0.5), spread.Median);
                Assert.Equal(Spread.Quantile(sorted, 0.9), spread.P90);
            }
        Assert.Equal(1.5, Spread.Of([double.NaN, 3, 1, 2]).Median);     // NaN is left to the sort, which puts it first
    }

    [Fact]
    public void QuantileCurvesOfFourColumnsAtATimeAreEachColumnsQuantiles()
    {
        // Seeds of unequal lengths (past its end a seed counts as +∞, or not at all), some NaN, ties, ±0 and ±∞: the curve
        // filled in one call (four columns at a time where every seed has a value) equals each column's Spread.Of.
        var random = new Random(11);
        foreach (int n in new[] { 1, 2, 3, 4, 5, 7, 8, 16, 19, 20, 21, 64, 100, 128, 129 })
            foreach (bool nanPastEnd in new[] { false, true })
            {
                int steps = 41;
                var seeds = Enumerable.Range(0, n).Select(i => Enumerable.Range(0, random.Next(4) == 0 ? random.Next(steps) : steps)
                    .Select(_ => random.Next(20) switch
                    {
                        0 => double.PositiveInfinity,
                        1 => double.NegativeInfinity,
                        2 => double.NaN,
                        3 or 4 => Math.Round(random.NextDouble() * 3),
                        5 => random.Next(2) == 0 ? 0.0 : -0.0,
                        _ => random.NextDouble() * 1e3 - 5e2,
                    }).ToArray()).ToArray();
                double after = nanPastEnd ? double.NaN : double.PositiveInfinity;
                var series = SpreadSeries.Of(seeds, _ => after, steps);
                for (int t = 0; t < steps; t++)
                {
                    var column = seeds.Select(s => t < s.Length ? s[t] : after).Where(v => !double.IsNaN(v)).ToArray();
                    var expected = Spread.Of(column);
                    Assert.True(expected.P10.Equals(series.P10[t]) && expected.Median.Equals(series.Median[t]) && expected.P90.Equals(series.P90[t]),
                        $"{n} seeds, step {t}: {expected} expected, ({series.P10[t]}, {series.Median[t]}, {series.P90[t]}) computed");
                }
            }
    }

    [Theory]
    [InlineData(SeedVariation.Both, new[] { 7, 8, 9 }, new[] { 3, 4, 5 })]
    [InlineData(SeedVariation.Order, new[] { 7, 8, 9 }, new[] { 3, 3, 3 })]
    [InlineData(SeedVariation.Data, new[] { 7, 7, 7 }, new[] { 3, 4, 5 })]
    public void SeedsAdvanceTheChosenRandomness(SeedVariation vary, int[] seeds, int[] dataSeeds)
    {
        var configuration = new RunRequest { Problem = "noisy-linear", Seed = 7, ProblemOptions = new() { DataSeed = 3, Noise = 1 } };
        var spec = new EnsembleSpec(3, vary);
        Assert.Equal(seeds, Enumerable.Range(0, 3).Select(i => spec.SeedOf(configuration, i).Seed));
        Assert.Equal(dataSeeds, Enumerable.Range(0, 3).Select(i => spec.SeedOf(configuration, i).ProblemOptions.DataSeed));
    }

    [Fact]
    public void EachSeedOfTheBatchedEnsembleMatchesItsSingleRun()
    {
        // Different data draws (two noise levels, a data seed per seed) and optimizers in one computation: every row gathers
        // its own data, and the rows of one seed share one shuffle whatever their data set. (At noise 0.5 Polyak's steps
        // amplify summation order past the tolerance within two epochs, so that level runs the steadier optimizers.)
        var configurations = new[] { (1.0, "polyak-sgd"), (1.0, "sgd"), (1.0, "adam"), (1.0, "sps-max"), (0.5, "sgd"), (0.5, "adam") }
            .Select(c => new RunRequest
            {
                Problem = "noisy-linear", ProblemOptions = new() { Noise = c.Item1 }, Optimizer = c.Item2, BatchSize = 50, Epochs = 2,
            }).ToArray();
        var spec = new EnsembleSpec(3);
        var result = Ensemble.Run(configurations, spec);
        for (int c = 0; c < configurations.Length; c++)
            for (int i = 0; i < spec.Seeds; i++)
            {
                var single = Trainer.Run(spec.SeedOf(configurations[c], i));
                var batched = result.Configurations[c].Runs[i];
                Assert.Equal(single.Status, batched.Status);
                // Up to summation order, which Polyak steps amplify over a few hundred steps.
                Assert.Equal(single.FinalLoss, batched.FinalLoss, 1e-5 * (1 + single.FinalLoss));
                Assert.Equal(single.OptimalLoss!.Value, batched.OptimalLoss!.Value, 1e-12);
                Assert.Equal(single.Parameters, batched.Parameters, new Tolerance(1e-4));
            }
        // The seeds' data draws differ, so their floors do.
        Assert.Equal(3, result.Configurations[0].Runs.Select(r => r.OptimalLoss).Distinct().Count());
    }

    [Fact]
    public void AnEnsembleSplitAcrossCoresGivesTheSameNumbersEveryTimeAndAsASmallerOne()
    {
        // 40 seeds × 2 optimizers in one lockstep group: split into parts that run side by side.
        var configurations = new[] { "polyak-sgd", "sgd" }.Select(o => new RunRequest
        {
            Problem = "noisy-linear", ProblemOptions = new() { Noise = 5.0 }, Optimizer = o, BatchSize = 16, Epochs = 3,
            OptimizerOptions = o == "sgd" ? new() { Lr = 0.1 } : new(),
        }).ToArray();
        var large = Ensemble.Run(configurations, new EnsembleSpec(40));
        var again = Ensemble.Run(configurations, new EnsembleSpec(40));
        var small = Ensemble.Run(configurations, new EnsembleSpec(8));       // one part
        for (int c = 0; c < configurations.Length; c++)
        {
            Assert.Equal(large.Configurations[c].Runs.SelectMany(r => r.Parameters), again.Configurations[c].Runs.SelectMany(r => r.Parameters));
            Assert.Equal(large.Configurations[c].Runs.Select(r => r.OptimalLoss), again.Configurations[c].Runs.Select(r => r.OptimalLoss));
            Assert.Equal(large.Configurations[c].Runs.Select(r => r.FinalLoss), again.Configurations[c].Runs.Select(r => r.FinalLoss));
            Assert.Equal(large.Configurations[c].Loss.Median, again.Configurations[c].Loss.Median);
            for (int i = 0; i < 8; i++)
                Assert.Equal(small.Configurations[c].Runs[i].Parameters, large.Configurations[c].Runs[i].Parameters);
        }
    }

    [Fact]
    public void QuantileCurvesAreTheSeedsRecordsAndADivergedSeedCountsAsInfinity()
    {
        var ok = new RunRequest { Problem = "noisy-linear", Optimizer = "sgd", BatchSize = 100, Epochs = 3, OptimizerOptions = new() { Lr = 0.1 } };
        var result = Ensemble.Run([ok, ok with { OptimizerOptions = new() { Lr = 50 } }], new EnsembleSpec(5, SeedVariation.Order));
        var stable = result.Configurations[0];
        Assert.Equal(30, stable.Loss.Length);
        Assert.Equal(4, stable.EpochLoss.Length);                 // epoch 0 to 3
        Assert.Equal(0, stable.Diverged);
        Assert.Equal(Spread.Of([.. stable.Runs.Select(r => r.FinalLoss)]).Median, stable.FinalLoss.Median);
        var diverging = result.Configurations[1];
        Assert.Equal(5, diverging.Diverged);
        Assert.Equal(double.PositiveInfinity, diverging.FinalLoss.Median);
        Assert.Equal(30, diverging.Loss.Length);                  // the planned steps: +∞ after each seed diverged
        Assert.Equal(double.PositiveInfinity, diverging.Loss.Median[^1]);
        Assert.Equal(double.PositiveInfinity, diverging.EpochLoss.Median[^1]);
        Assert.True(double.IsNaN(diverging.StepSize.Median[^1]));   // step sizes only over the seeds still running
    }

    [Fact]
    public void TwoWellEnsemblesCountTheWellsEachSeedEndsIn()
    {
        var request = new RunRequest { Problem = "two-well", Optimizer = "sgd", BatchSize = 25, Epochs = 20, OptimizerOptions = new() { Lr = 0.04 } };
        var c = Ensemble.Run([request], new EnsembleSpec(4, SeedVariation.Data)).Configurations[0];
        Assert.Equal(4, c.Wells!.Values.Sum());
        using var problem = TwoWellProblem.Create();
        Assert.Equal(problem.WellOf(Trainer.Run(request).Parameters) == "local" ? 1 : 0, c.Runs.Take(1).Count(_ => c.CountInWell("local") >= 1));
    }

    [Fact]
    public void ProgressReportsTheQuantilesSoFarAndTheLastReportIsTheResult()
    {
        // 1b's batch-16 configurations (6,300 steps each, seconds in all) and one that diverges within a few steps: its
        // seeds stop early, and a column after them is +∞ while the others still run. The engine may run the rows in
        // parts on several threads: reports come from any of them, one at a time.
        var grid = ExperimentCatalog.Get("1b", new() { BatchSizes = [16], Noises = [1.0, 5.0] }).Runs;
        var configurations = grid.Append(grid[0] with { Optimizer = "sgd", OptimizerOptions = new() { Lr = 50 }, Label = "diverging" }).ToArray();
        var reports = new List<(double Seconds, bool Done, int[] Steps, int[] Epochs, double[][] Median, double[][] P90, double[][] EpochMedian)>();
        var result = Ensemble.Run(configurations, new EnsembleSpec(8), progress: p => reports.Add((p.Seconds, p.Done,
            [.. p.Configurations.Select(c => c.Steps)], [.. p.Configurations.Select(c => c.Epochs)],
            [.. p.Configurations.Select(c => c.Loss.Median[..c.Steps])], [.. p.Configurations.Select(c => c.Loss.P90[..c.Steps])],
            [.. p.Configurations.Select(c => c.EpochLoss.Median[..c.Epochs])])));

        var partial = reports.Where(r => !r.Done).ToList();
        Assert.True(partial.Count >= 2, $"{partial.Count} progress reports before the end");
        Assert.True(reports[^1].Done);
        Assert.Single(reports, r => r.Done);
        // At most ten a second, and the curves only grow.
        for (int k = 1; k < partial.Count; k++)
        {
            Assert.True(partial[k].Seconds - partial[k - 1].Seconds >= Ensemble.ProgressInterval.TotalSeconds * 0.99, $"reports {k - 1} and {k} too close");
            Assert.All(Enumerable.Range(0, configurations.Length), c => Assert.True(partial[k].Steps[c] >= partial[k - 1].Steps[c]));
        }
        Assert.Contains(partial, r => r.Steps.Sum() > 0 && r.Steps.Sum() < configurations.Length * 6300);
        // Every partial column is the final one: the quantiles so far are the result's (a diverged seed as +∞ too).
        foreach (var report in partial)
            for (int c = 0; c < configurations.Length; c++)
            {
                var final = result.Configurations[c];
                Assert.Equal(final.Loss.Median[..report.Steps[c]], report.Median[c]);
                Assert.Equal(final.Loss.P90[..report.Steps[c]], report.P90[c]);
                Assert.Equal(final.EpochLoss.Median[..report.Epochs[c]], report.EpochMedian[c]);
            }
        // The diverging configuration ends while the others still run: its columns are +∞ to the planned end.
        Assert.Contains(partial, r => r.Steps[^1] == 6300 && double.IsPositiveInfinity(r.Median[^1][^1]));
        // The last report is the result, whole.
        var last = reports[^1];
        for (int c = 0; c < configurations.Length; c++)
        {
            Assert.Equal(result.Configurations[c].Loss.Length, last.Steps[c]);
            Assert.Equal(result.Configurations[c].Loss.Median, last.Median[c]);
            Assert.Equal(result.Configurations[c].EpochLoss.Median, last.EpochMedian[c]);
        }
        Assert.Equal(8, result.Configurations[^1].Diverged);
    }

    [Fact]
    public void BadSeedCountsAreRefused()
    {
        var request = new RunRequest { Problem = "quadratic", Epochs = 1 };
        Assert.Throws<RunValidationException>(() => Ensemble.Run([request], new EnsembleSpec(0)));
        Assert.Throws<RunValidationException>(() => Ensemble.Run([request], new EnsembleSpec(EnsembleSpec.MaxSeeds + 1)));
    }
}

/// <summary>Alone: a latency measured while other classes' ensembles take both cores measures them (the cancel below
/// took 1.05–1.82 s in about one run in twenty beside the findings tests; alone, about 40 ms from the cancel to the result).</summary>
[CollectionDefinition(nameof(CancelLatencyCollection), DisableParallelization = true)]
public sealed class CancelLatencyCollection;

[Collection(nameof(CancelLatencyCollection))]
public class EnsembleCancelTests
{
    [Fact]
    public void ACancelStopsTheEnsembleWithinASecond()
    {
        var grid = ExperimentCatalog.Get("1b", new() { BatchSizes = [16] }).Runs;
        using var cancel = new CancellationTokenSource();
        var clock = new Stopwatch();
        var result = Ensemble.Run(grid, new EnsembleSpec(20), cancel: cancel.Token, progress: p =>
        {
            if (!p.Done && !cancel.IsCancellationRequested) { cancel.Cancel(); clock.Start(); }
        });
        clock.Stop();
        Assert.True(cancel.IsCancellationRequested, "no progress report before the end");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"the cancel took {clock.Elapsed.TotalSeconds:0.00} s");
        Assert.All(result.Configurations.SelectMany(c => c.Runs), r => Assert.Equal(RunStatus.Cancelled, r.Status));
        Assert.All(result.Configurations, c => Assert.True(c.Runs[0].Steps < c.Runs[0].TotalSteps));
    }
}

/// <summary>Alone: its full collections, back to back, stop every thread of the process, and would slow the timed tests
/// of other classes running beside it.</summary>
[CollectionDefinition(nameof(ForcedCollectionsCollection), DisableParallelization = true)]
public sealed class ForcedCollectionsCollection;

[Collection(nameof(ForcedCollectionsCollection))]
public class ScalarLifetimeTests
{
    [Fact]
    public void EnsemblesGiveTheSameNumbersWhileGarbageIsCollectedBesideThem()
    {
        // TorchSharp frees a number operand's Scalar in its finalizer; one that became garbage during a libtorch op was read
        // after it was freed (Scalar.h assert, or silently another number). Full collections on another thread, all the time,
        // while ensembles on both cores run the closed-form loss (1b) and the two-well sums (1c): before the kept Scalars
        // this crashed the process in about half of the 5-second tries on a 2-core machine.
        var noisyLinear = ExperimentCatalog.Get("1b").Runs.Where(r => r.BatchSize <= 64).ToArray();
        var twoWell = ExperimentCatalog.Get("1c").Runs;
        var quiet = (Ensemble.Run(noisyLinear, new EnsembleSpec(10)), Ensemble.Run(twoWell, new EnsembleSpec(20)));
        bool stop = false;
        var collector = new Thread(() => { while (!Volatile.Read(ref stop)) { GC.Collect(); GC.WaitForPendingFinalizers(); } }) { IsBackground = true };
        collector.Start();
        try
        {
            var clock = Stopwatch.StartNew();
            do
            {
                var loud = (Ensemble.Run(noisyLinear, new EnsembleSpec(10)), Ensemble.Run(twoWell, new EnsembleSpec(20)));
                foreach (var (a, b) in new[] { (quiet.Item1, loud.Item1), (quiet.Item2, loud.Item2) })
                    for (int c = 0; c < a.Configurations.Count; c++)
                    {
                        Assert.Equal(a.Configurations[c].Runs.SelectMany(r => r.Parameters), b.Configurations[c].Runs.SelectMany(r => r.Parameters));
                        Assert.Equal(a.Configurations[c].EpochLoss.Median, b.Configurations[c].EpochLoss.Median);
                    }
            }
            while (clock.Elapsed < TimeSpan.FromSeconds(4));
        }
        finally
        {
            Volatile.Write(ref stop, true);
            collector.Join();
        }
    }
}
