using PolyakCore.Experiments;
using PolyakCore.Problems;
using PolyakCore.Training;
using PolyakDashboard.Components.Charts;
using PolyakDashboard.Runs;

namespace PolyakDashboard.Components.Experiments;

/// <summary>An ensemble laid out as the page shows it: per panel of the experiment's layout, band series of the epoch
/// loss, the step size and (where the page has it) the mini-batch loss; and the summary charts of 1b and 1c.</summary>
public sealed record EnsemblePanel(string Title, double? Floor, IReadOnlyList<BandSeries> EpochLoss, IReadOnlyList<BandSeries> StepSize, IReadOnlyList<BandSeries> BatchLoss);

public static class EnsembleCharts
{
    private const int Points = 400;

    public static IReadOnlyList<EnsemblePanel> Panels(string experimentId, EnsembleResult result)
    {
        var layout = ExperimentLayout.For(experimentId);
        return [.. result.Configurations.GroupBy(c => layout.PanelOf(c.Request)).Select(g =>
        {
            var members = g.ToArray();
            var names = members.Select(c => c.Request.Optimizer).ToArray();
            BandSeries Band(ConfigurationEnsemble c, int i, SpreadSeries s, int firstX)
            {
                var (x, lo, mid, hi) = s.Decimate(Points, firstX);
                return new BandSeries(layout.SeriesName(c.Request), SeriesColors.InGroup(names, i), x, mid, lo, hi);
            }
            var floors = members.SelectMany(c => c.Runs).Select(r => r.OptimalLoss).ToArray();
            double? floor = floors.All(f => f is not null) && floors.Length > 0 ? Spread.Of([.. floors.Select(f => f!.Value)]).Median : null;
            return new EnsemblePanel(g.Key, floor,
                [.. members.Select((c, i) => Band(c, i, c.EpochLoss, 0))],
                [.. members.Select((c, i) => Band(c, i, c.StepSize, 1))],
                layout.ShowBatchLoss ? [.. members.Select((c, i) => Band(c, i, c.Loss, 1))] : []);
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
