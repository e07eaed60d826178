using PolyakCore.Experiments;
using PolyakCore.Problems;
using PolyakCore.Training;
using PolyakDashboard.Components.Charts;
using PolyakDashboard.Runs;

namespace PolyakDashboard.Components.Experiments;

/// <summary>An ensemble laid out as the page shows it: per panel of the experiment's layout, band series of the epoch
/// loss, the step size and (where the page has it) the mini-batch loss; and the summary charts of 1b and 1c.</summary>
/// <param name="StepMax">The planned steps of the panel's longest configuration (the x axis ends there while bands fill in).</param>
/// <param name="EpochMax">Its planned epochs.</param>
/// <param name="Version">How far the panel's configurations had got when it was built: a panel whose version has not
/// changed is handed over as it was (its charts are not drawn again).</param>
public sealed record EnsemblePanel(string Title, double? Floor, IReadOnlyList<BandSeries> EpochLoss, IReadOnlyList<BandSeries> StepSize,
    IReadOnlyList<BandSeries> BatchLoss, int StepMax = 0, int EpochMax = 0, string Version = "")
{
    /// <summary>False while none of the panel's seeds has taken a step (a later group of the batched computation).</summary>
    public bool Started => StepSize.Any(s => s.X.Length > 0);
}

public static class EnsembleCharts
{
    public const int Points = 400;

    /// <summary>Points per band while an ensemble fills in (they are sent again on every update).</summary>
    public const int PartialPoints = 200;

    public static IReadOnlyList<EnsemblePanel> Panels(string experimentId, EnsembleResult result) =>
        Panels(experimentId, Whole(result), result);

    /// <summary>A finished ensemble's curves as a (last) progress report.</summary>
    public static IReadOnlyList<ConfigurationProgress> Whole(EnsembleResult result) =>
        [.. result.Configurations.Select(c => new ConfigurationProgress(c.Request, c.Loss.Length, c.Loss.Length, c.EpochLoss.Length,
            c.EpochLoss.Length, c.Loss, c.StepSize, c.EpochLoss))];

    /// <summary>The panels of the configurations' curves so far (each band up to the steps computed); the floor (the
    /// seeds' median least-squares loss) once the result is there. Panels of <paramref name="previous"/> whose
    /// configurations have not moved are reused as they are.</summary>
    public static IReadOnlyList<EnsemblePanel> Panels(string experimentId, IReadOnlyList<ConfigurationProgress> configurations,
        EnsembleResult? result, int points = Points, IReadOnlyList<EnsemblePanel>? previous = null)
    {
        var layout = ExperimentLayout.For(experimentId);
        var runs = result?.Configurations.Select(c => c.Runs).ToArray();
        return [.. configurations.Select((c, i) => (c, i)).GroupBy(x => layout.PanelOf(x.c.Request)).Select(g =>
        {
            var members = g.ToArray();
            string version = string.Join(",", members.Select(m => $"{m.c.Steps}/{m.c.Epochs}")) + (result is null ? "" : ":done");
            if (previous?.FirstOrDefault(p => p.Title == g.Key) is { } old && old.Version == version) return old;
            var names = members.Select(m => m.c.Request.Optimizer).ToArray();
            BandSeries Band(ConfigurationProgress c, int i, SpreadSeries s, int length, int firstX)
            {
                var (x, lo, mid, hi) = s.Decimate(points, firstX, length);
                return new BandSeries(layout.SeriesName(c.Request), SeriesColors.InGroup(names, i), x, mid, lo, hi);
            }
            double? floor = null;
            if (runs is not null)
            {
                var floors = members.SelectMany(m => runs[m.i]).Select(r => r.OptimalLoss).ToArray();
                floor = floors.All(f => f is not null) && floors.Length > 0 ? Spread.Of([.. floors.Select(f => f!.Value)]).Median : null;
            }
            return new EnsemblePanel(g.Key, floor,
                [.. members.Select((m, i) => Band(m.c, i, m.c.EpochLoss, m.c.Epochs, 0))],
                [.. members.Select((m, i) => Band(m.c, i, m.c.StepSize, m.c.Steps, 1))],
                layout.ShowBatchLoss ? [.. members.Select((m, i) => Band(m.c, i, m.c.Loss, m.c.Steps, 1))] : [],
                members.Max(m => m.c.TotalSteps), members.Max(m => m.c.TotalEpochs - 1), version);
        })];
    }

    /// <summary>1c: the fraction of seeds ending in the global well against the batch size, one line per optimizer.</summary>
    public static IReadOnlyList<BandSeries> EscapeFractions(EnsembleResult result) =>
        [.. result.Configurations.Where(c => c.Wells is not null).GroupBy(c => c.Request.Optimizer).Select(g =>
        {
            var ordered = g.OrderBy(c => c.Request.BatchSize).ToArray();
            return new BandSeries(g.Key, SeriesColors.Optimizer(g.Key), [.. ordered.Select(c => (double)c.Request.BatchSize)],
                [.. ordered.Select(c => (double)c.CountInWell("global") / c.Seeds)]);
        })];

    /// <summary>1b: final loss over the least-squares floor against the batch size, per noise level (σ &gt; 0) and optimizer.</summary>
    public static IReadOnlyList<BandSeries> FloorRatios(EnsembleResult result) =>
        [.. result.Configurations.Where(c => (c.Request.ProblemOptions.Noise ?? 0) > 0 && c.FloorRatio is not null)
            .GroupBy(c => (Noise: c.Request.ProblemOptions.Noise ?? 0, c.Request.Optimizer)).OrderBy(g => g.Key.Noise).Select(g =>
        {
            var ordered = g.OrderBy(c => c.Request.BatchSize).ToArray();
            var ratios = ordered.Select(c => c.FloorRatio!.Value).ToArray();
            return new BandSeries($"σ = {g.Key.Noise:0.##}, {g.Key.Optimizer}", SeriesColors.Optimizer(g.Key.Optimizer),
                [.. ordered.Select(c => (double)c.Request.BatchSize)], [.. ratios.Select(r => r.Median)], [.. ratios.Select(r => r.P10)], [.. ratios.Select(r => r.P90)]);
        })];

    public static bool IsTwoWell(EnsembleResult result) => result.Configurations.Count > 0 && result.Configurations[0].Request.Problem == ProblemCatalog.TwoWell;
}
