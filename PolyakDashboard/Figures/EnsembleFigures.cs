using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Series;
using PolyakCore.Experiments;
using PolyakCore.Training;
using PolyakDashboard.Runs;

namespace PolyakDashboard.Figures;

/// <summary>An ensemble's figures as SVG, as the page's "over seeds" section draws them: per panel the medians with their
/// shaded 10–90 % bands (mini-batch loss, step size, loss per epoch with the floor), and 1c's escape fraction or 1b's
/// final/floor against the batch size.</summary>
public static class EnsembleFigures
{
    private const int Points = 600;

    public static IReadOnlyList<string> Write(string experimentId, EnsembleResult ensemble, string folder)
    {
        Directory.CreateDirectory(folder);
        var files = new List<string>();
        foreach (var (name, model) in Draw(experimentId, ensemble))
        {
            string path = Path.Combine(folder, name);
            using (var stream = File.Create(path)) ExperimentFigures.Export(model, stream);
            files.Add(path);
        }
        return files;
    }

    public static IEnumerable<(string Name, PlotModel Model)> Draw(string experimentId, EnsembleResult ensemble)
    {
        var layout = ExperimentLayout.For(experimentId);
        foreach (var panel in ensemble.Configurations.GroupBy(c => layout.PanelOf(c.Request)))
        {
            var members = panel.ToArray();
            string slug = ExperimentFigures.Slug(panel.Key), title = (panel.Key == ExperimentLayout.AllRuns ? "" : panel.Key + ": ");
            var names = members.Select(c => c.Request.Optimizer).ToArray();
            PlotModel Bands(string what, string x, string y, Func<ConfigurationEnsemble, SpreadSeries> series, int firstX)
            {
                var model = Model($"{title}{what}, median and 10–90 % over {ensemble.Spec.Seeds} seeds");
                model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = x });
                model.Axes.Add(new LogarithmicAxis { Position = AxisPosition.Left, Title = y + " (log)" });
                for (int i = 0; i < members.Length; i++)
                    AddBand(model, layout.SeriesName(members[i].Request), OxyColor.Parse(SeriesColors.InGroup(names, i)), series(members[i]).Decimate(Points, firstX));
                return model;
            }
            if (layout.ShowBatchLoss) yield return ($"{slug}-batch-loss-band.svg", Bands("mini-batch loss", "step", "loss", c => c.Loss, 1));
            yield return ($"{slug}-step-size-band.svg", Bands("step size", "step", "step size", c => c.StepSize, 1));
            var epochs = Bands("loss per epoch", "epoch", "full-data loss", c => c.EpochLoss, 0);
            if (members.All(c => c.HasFloor))
            {
                double floor = Spread.Of([.. members.SelectMany(c => c.Runs).Select(r => r.OptimalLoss!.Value)]).Median;
                epochs.Annotations.Add(new LineAnnotation { Type = LineAnnotationType.Horizontal, Y = floor, Text = "least-squares floor (median)", LineStyle = LineStyle.Dash, Color = OxyColors.Gray });
            }
            yield return ($"{slug}-epochs-band.svg", epochs);
        }
        var wells = ensemble.Configurations.Where(c => c.Wells is not null).ToArray();
        if (wells.Length > 0)
        {
            var model = Model($"fraction of {ensemble.Spec.Seeds} seeds ending in the global well");
            model.Axes.Add(new LogarithmicAxis { Position = AxisPosition.Bottom, Title = "batch size" });
            model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "fraction", Minimum = 0, Maximum = 1 });
            foreach (var g in wells.GroupBy(c => c.Request.Optimizer))
            {
                var line = new LineSeries { Title = g.Key, Color = OxyColor.Parse(SeriesColors.Optimizer(g.Key)), MarkerType = MarkerType.Circle, StrokeThickness = 2 };
                foreach (var c in g.OrderBy(c => c.Request.BatchSize)) line.Points.Add(new DataPoint(c.Request.BatchSize, (double)c.CountInWell("global") / c.Seeds));
                model.Series.Add(line);
            }
            yield return ("escape-fraction.svg", model);
        }
        var floors = ensemble.Configurations.Where(c => c.HasFloor).ToArray();
        if (floors.Select(c => c.Request.BatchSize).Distinct().Count() > 1)
        {
            var model = Model($"final loss / least-squares floor, median and 10–90 % over {ensemble.Spec.Seeds} seeds");
            model.Axes.Add(new LogarithmicAxis { Position = AxisPosition.Bottom, Title = "batch size" });
            model.Axes.Add(new LogarithmicAxis { Position = AxisPosition.Left, Title = "final / floor (log)" });
            foreach (var g in floors.GroupBy(c => (Noise: c.Request.ProblemOptions.Noise ?? 0, c.Request.Optimizer)))
            {
                var ordered = g.OrderBy(c => c.Request.BatchSize).ToArray();
                var ratios = ordered.Select(c => c.FloorRatio!.Value).ToArray();
                AddBand(model, $"σ = {g.Key.Noise:0.##}, {g.Key.Optimizer}", OxyColor.Parse(SeriesColors.Optimizer(g.Key.Optimizer)),
                    ([.. ordered.Select(c => (double)c.Request.BatchSize)], [.. ratios.Select(r => r.P10)], [.. ratios.Select(r => r.Median)], [.. ratios.Select(r => r.P90)]));
            }
            yield return ("floor-ratio.svg", model);
        }
    }

    // Ensemble titles are longer (they say the seeds): a point smaller.
    private static PlotModel Model(string title) => ExperimentFigures.Model(title, titleSize: 14);

    // A shaded band between the 10 % and 90 % quantiles and the median over it, leaving out what a log axis cannot show.
    private static void AddBand(PlotModel model, string name, OxyColor color, (double[] X, double[] P10, double[] Median, double[] P90) s)
    {
        var area = new AreaSeries { Color = OxyColors.Transparent, Fill = OxyColor.FromAColor(55, color), StrokeThickness = 0, RenderInLegend = false, Color2 = OxyColors.Transparent };
        var median = new LineSeries { Title = name, Color = color, StrokeThickness = 1.6, MinimumSegmentLength = 0 };
        for (int i = 0; i < s.X.Length; i++)
        {
            if (double.IsFinite(s.P10[i]) && double.IsFinite(s.P90[i]) && s.P10[i] > 0)
            {
                area.Points.Add(new DataPoint(s.X[i], s.P10[i]));
                area.Points2.Add(new DataPoint(s.X[i], s.P90[i]));
            }
            if (double.IsFinite(s.Median[i]) && s.Median[i] > 0) median.Points.Add(new DataPoint(s.X[i], s.Median[i]));
        }
        model.Series.Add(area);
        model.Series.Add(median);
    }
}
