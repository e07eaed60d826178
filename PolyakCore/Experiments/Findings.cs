using System.Globalization;
using PolyakCore.Optimization;
using PolyakCore.Training;

namespace PolyakCore.Experiments;

/// <summary>A statement about an experiment's ensemble: its text carries the computed numbers, and
/// <paramref name="Holds"/> says whether the claim it makes is true of them (a claim that fails is still
/// stated, with the numbers that refute it).</summary>
/// <param name="Id">Stable name, for tests and links.</param>
/// <param name="Claim">What the finding asserts, without numbers (the test of it).</param>
/// <param name="Text">The sentence a page shows, rendered from the ensemble.</param>
public sealed record Finding(string Id, string Claim, string Text, bool Holds);

/// <summary>What each small experiment's ensemble says, as findings rendered from its numbers.</summary>
/// <remarks>Thresholds are majorities, not single outcomes: a Polyak run near a wrong f* is chaotic, so one seed's
/// ending flips with the seed and with the CPU's kernels. The thresholds leave room for that spread.</remarks>
public static class Findings
{
    public static IReadOnlyList<Finding> For(string experimentId, EnsembleResult ensemble) => experimentId switch
    {
        "1a" => Quadratic(ensemble),
        "1b" => NoisyLinear(ensemble),
        "1c" => TwoWell(ensemble),
        "1e" => MultiLinear(ensemble),
        ExperimentCatalog.Fixes1b or ExperimentCatalog.Fixes1e => FStarFixes.For(experimentId, ensemble),
        _ => [],
    };

    private static IReadOnlyList<Finding> Quadratic(EnsembleResult e)
    {
        var polyak = e.Configurations.Where(c => c.Request.Optimizer == OptimizerCatalog.PolyakSgd).ToArray();
        var list = new List<Finding>();
        foreach (var c in polyak)
        {
            int n = c.Seeds, reached = c.Runs.Count(r => r.Status == RunStatus.Completed && r.FinalLoss < 1e-8);
            var loss = c.FinalLoss;
            var distance = c.Distance;
            list.Add(new("1a-polyak-reaches-optimum", "Polyak SGD with f* = 0 reaches the optimum (loss below 1e-8) in at least 90 % of seeds.",
                $"Polyak SGD at batch {c.Request.BatchSize} ends with a full-data loss below 1e-8 in {reached} of {n} seeds " +
                $"(median {G(loss.Median)}, 10–90 % {G(loss.P10)}–{G(loss.P90)})" +
                (distance is { } d ? $", {G(d.Median)} from the optimum (0, 2, 1) in the median" : "") +
                ": with interpolation f* = 0 is exact.", reached >= 0.9 * n));
        }
        return list;
    }

    private static IReadOnlyList<Finding> NoisyLinear(EnsembleResult e)
    {
        var list = new List<Finding>();
        int n = e.Spec.Seeds;
        var byNoise = e.Configurations.GroupBy(c => c.Request.ProblemOptions.Noise ?? 0.0).OrderBy(g => g.Key);
        foreach (var noise in byNoise)
        {
            var polyak = noise.Where(c => c.Request.Optimizer == OptimizerCatalog.PolyakSgd).OrderBy(c => c.Request.BatchSize).ToArray();
            var sgd = noise.Where(c => c.Request.Optimizer == OptimizerCatalog.Sgd).OrderBy(c => c.Request.BatchSize).ToArray();
            string sigma = $"σ = {noise.Key.ToString(CultureInfo.InvariantCulture)}";
            if (noise.Key == 0)
            {
                if (polyak.Length == 0) continue;
                var counts = polyak.Select(c => c.Runs.Count(r => r.Status == RunStatus.Completed && r.FinalLoss < 1e-8)).ToArray();
                list.Add(new("1b-exact-without-noise", "Without noise Polyak SGD reaches the optimum (loss below 1e-8) in at least 90 % of seeds at every batch size.",
                    $"At {sigma} (f* = 0 is exact) Polyak SGD ends with a loss below 1e-8 in {Counts(counts, n)} seeds at batch {Batches(polyak)}.",
                    counts.All(k => k >= 0.9 * n)));
                continue;
            }
            if (polyak.Length > 0)
            {
                var above = polyak.Select(c => c.CountAboveFloor(1.1)).ToArray();
                var medians = polyak.Select(c => c.FloorRatio!.Value.Median).ToArray();
                list.Add(new($"1b-polyak-above-floor-{noise.Key.ToString(CultureInfo.InvariantCulture)}",
                    "With noise Polyak SGD (f* = 0) ends above 1.1× the least-squares floor in at least 60 % of seeds at every batch size.",
                    $"At {sigma} Polyak SGD with f* = 0 ends above 1.1× the least-squares floor in {Counts(above, n)} seeds at batch " +
                    $"{Batches(polyak)} (median {string.Join(", ", medians.Select(m => G(m) + "×"))} the floor) — {Trend(medians)}.",
                    above.All(k => k >= 0.6 * n)));
                var largest = polyak.Select(c => c.Runs.Min(r => r.MaxStepSize)).ToArray();
                var typical = polyak.Select(c => Spread.Of([.. c.Runs.Select(r => r.MaxStepSize)]).Median).ToArray();
                list.Add(new($"1b-polyak-step-explodes-{noise.Key.ToString(CultureInfo.InvariantCulture)}",
                    "With noise the Polyak step grows past 10 in every seed (100× constant SGD's 0.1).",
                    $"At {sigma} the largest Polyak step of a run is {string.Join(", ", typical.Select(G))} in the median at batch {Batches(polyak)} " +
                    $"(at least {G(largest.Min())} in every seed): near the optimum the gradient vanishes while the loss stays near σ², so f* = 0 makes the step explode.",
                    largest.All(m => m > 10)));
            }
            if (sgd.Length > 0)
            {
                var within = sgd.Select(c => c.Seeds - c.CountAboveFloor(1.05)).ToArray();
                list.Add(new($"1b-sgd-reaches-floor-{noise.Key.ToString(CultureInfo.InvariantCulture)}",
                    "With noise constant SGD ends within 5 % of the least-squares floor in at least 90 % of seeds at every batch size.",
                    $"At {sigma} constant SGD (lr {G(sgd[0].Request.OptimizerOptions.Lr ?? 0.1)}) ends within 5 % of the floor in {Counts(within, n)} seeds at batch {Batches(sgd)}.",
                    within.All(k => k >= 0.9 * n)));
            }
        }
        return list;
    }

    private static IReadOnlyList<Finding> TwoWell(EnsembleResult e)
    {
        var list = new List<Finding>();
        int n = e.Spec.Seeds;
        var polyak = e.Configurations.Where(c => c.Request.Optimizer == OptimizerCatalog.PolyakSgd).OrderBy(c => c.Request.BatchSize).ToArray();
        var sgd = e.Configurations.Where(c => c.Request.Optimizer == OptimizerCatalog.Sgd).OrderBy(c => c.Request.BatchSize).ToArray();
        if (sgd.Length > 0)
        {
            var escaped = sgd.Select(c => c.CountInWell("global")).ToArray();
            double lr = sgd[0].Request.OptimizerOptions.Lr ?? 0.1;
            list.Add(new("1c-sgd-escapes", "Constant SGD on the sharp well's stability edge (lr·2a = 2) reaches the global well in at least 70 % of seeds at every batch size.",
                $"Constant SGD (lr {G(lr)}, lr·2a = {G(lr * 2 * (sgd[0].Request.ProblemOptions.A ?? 20))}) ends in the global well in {Counts(escaped, n)} seeds at batch {Batches(sgd)}.",
                escaped.All(k => k >= 0.7 * n)));
        }
        if (polyak.Length > 0)
        {
            var escaped = polyak.Select(c => c.CountInWell("global")).ToArray();
            list.Add(new("1c-polyak-hit-or-miss", "Polyak SGD (f* = 0) escapes in some seeds and not in others: between 10 % and 90 % of seeds at batch sizes below the full batch.",
                $"Polyak SGD with f* = 0 ends in the global well in {Counts(escaped, n)} seeds at batch {Batches(polyak)}: the sharp well's floor is above 0, " +
                "so its steps overshoot and it bounces until the mini-batch noise happens to throw it out — or not.",
                polyak.Zip(escaped).Where(x => x.First.Request.BatchSize < (x.First.Request.ProblemOptions.Points ?? 25)).All(x => x.Second >= 0.1 * n && x.Second <= 0.9 * n)));
            if (sgd.Length > 0)
            {
                var pairs = polyak.Join(sgd, p => p.Request.BatchSize, s => s.Request.BatchSize, (p, s) => (p, s)).ToArray();
                list.Add(new("1c-sgd-escapes-more-often", "Constant SGD at the stability edge escapes more often than Polyak SGD at every batch size.",
                    $"Escapes out of {n}: constant SGD {string.Join(", ", pairs.Select(x => x.s.CountInWell("global")))} vs Polyak SGD " +
                    $"{string.Join(", ", pairs.Select(x => x.p.CountInWell("global")))} at batch {string.Join(", ", pairs.Select(x => x.p.Request.BatchSize))}.",
                    pairs.All(x => x.s.CountInWell("global") > x.p.CountInWell("global"))));
            }
        }
        return list;
    }

    private static IReadOnlyList<Finding> MultiLinear(EnsembleResult e)
    {
        var list = new List<Finding>();
        int n = e.Spec.Seeds;
        foreach (var noise in e.Configurations.GroupBy(c => c.Request.ProblemOptions.Noise ?? 0.1).OrderBy(g => g.Key))
        {
            string sigma = $"σ = {noise.Key.ToString(CultureInfo.InvariantCulture)}", key = noise.Key.ToString(CultureInfo.InvariantCulture);
            var report = noise.FirstOrDefault(c => c.Request.Optimizer == OptimizerCatalog.PolyakAdam);
            var corrected = noise.FirstOrDefault(c => c.Request.Optimizer == OptimizerCatalog.PolyakAdamCorrected);
            var adam = noise.FirstOrDefault(c => c.Request.Optimizer == OptimizerCatalog.Adam);
            if (report is not null)
            {
                int above = report.CountAboveFloor(1.1);
                var ratio = report.FloorRatio!.Value;
                list.Add(new($"1e-report-hybrid-off-floor-{key}", "The report's Polyak–Adam (‖g‖² denominator) ends above 1.1× the least-squares floor in at least 75 % of seeds.",
                    $"At {sigma} the report's Polyak–Adam ends above 1.1× the floor in {above} of {n} seeds (median {G(ratio.Median)}×, 10–90 % {G(ratio.P10)}–{G(ratio.P90)}×): " +
                    "its ‖g‖² denominator ignores that Adam's direction is not the gradient.", above >= 0.75 * n));
            }
            if (report is not null && corrected is not null)
            {
                int closer = report.Runs.Zip(corrected.Runs).Count(x => Gap(x.Second) < Gap(x.First));
                var ratio = corrected.FloorRatio!.Value;
                list.Add(new($"1e-corrected-closer-{key}", "The corrected, capped Polyak–Adam (⟨g, d⟩ denominator) ends closer to the floor than the report's in at least 80 % of seeds (same seed, same data).",
                    $"At {sigma} the corrected Polyak–Adam (⟨g, d⟩, cap {G(corrected.Request.OptimizerOptions.MaxStep ?? 0.1)}) ends closer to the floor than the report's in {closer} of {n} seeds " +
                    $"(median {G(ratio.Median)}× the floor, 10–90 % {G(ratio.P10)}–{G(ratio.P90)}×).", closer >= 0.8 * n));
            }
            if (adam is not null)
            {
                int within = adam.Seeds - adam.CountAboveFloor(1.05);
                list.Add(new($"1e-adam-reaches-floor-{key}", "Adam with a constant step ends within 5 % of the floor in at least 90 % of seeds.",
                    $"At {sigma} Adam (lr {G(adam.Request.OptimizerOptions.Lr ?? 0.01)}) ends within 5 % of the floor in {within} of {n} seeds.", within >= 0.9 * n));
            }
        }
        return list;
    }

    internal static double Gap(RunSummary r) => r.Status == RunStatus.Diverged ? double.PositiveInfinity : r.FinalLoss / r.OptimalLoss!.Value;

    // "Rises with batch size", "falls…", or no monotone trend, from the medians (ordered by batch size).
    private static string Trend(double[] medians)
    {
        if (medians.Length < 3) return "too few batch sizes for a trend";
        bool rises = medians.Zip(medians.Skip(1)).All(x => x.Second > x.First), falls = medians.Zip(medians.Skip(1)).All(x => x.Second < x.First);
        return rises ? "the median gap grows with the batch size, as the report argues"
            : falls ? "the median gap shrinks as the batch grows, against the report's claim that larger batches do worse"
            : "no steady trend with the batch size (the report's \"worse with larger batches\" is not borne out by the medians)";
    }

    private static string Counts(int[] counts, int n) => counts.Length == 1 ? $"{counts[0]} of {n}" : $"{string.Join(", ", counts)} of {n}";

    private static string Batches(IEnumerable<ConfigurationEnsemble> configurations) => string.Join(", ", configurations.Select(c => c.Request.BatchSize));

    internal static string G(double v) => double.IsPositiveInfinity(v) ? "∞"
        : Math.Abs(v) >= 1e4 || (Math.Abs(v) < 1e-3 && v != 0) ? v.ToString("0.0E+0", CultureInfo.InvariantCulture)
        : v.ToString("0.###", CultureInfo.InvariantCulture);
}
