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
        if (ensemble.Configurations.Any(c => PolyakCore.Optimization.OptimizerCatalog.FStarFixes.Contains(c.Request.Optimizer)))
            yield return ("fixes-floor-ratio.svg", FixesFloorRatio(ensemble));
    }

    /// <summary>The fixes view's chart: per optimizer the final loss over the floor, its 10–90 % range as a bar and the median
    /// as a dot, with the floor (1×) and the 10 % line (1.1×).</summary>
    private static PlotModel FixesFloorRatio(EnsembleResult ensemble)
    {
        var verdicts = FStarFixes.Verdicts(ensemble);
        var model = Model($"final loss / least-squares floor, median and 10–90 % over {ensemble.Spec.Seeds} seeds");
        model.IsLegendVisible = false;
        double top = verdicts.Select(v => v.Ratio.P90).Where(double.IsFinite).DefaultIfEmpty(2).Max() * 1.1;
        model.Axes.Add(new LogarithmicAxis { Position = AxisPosition.Bottom, Title = "final / floor (log)", Minimum = 0.98, Maximum = Math.Max(1.3, top) });
        model.Axes.Add(new LinearAxis
        {
            Position = AxisPosition.Left, Minimum = -0.7, Maximum = verdicts.Count - 0.3, MajorStep = 1, MinorStep = 1, StartPosition = 1, EndPosition = 0,
            LabelFormatter = y => Math.Abs(y - Math.Round(y)) < 1e-9 && y >= 0 && y < verdicts.Count ? verdicts[(int)Math.Round(y)].Name : "",
        });
        foreach (var at in new[] { 1.0, FStarFixes.Within })
            model.Annotations.Add(new LineAnnotation { Type = LineAnnotationType.Vertical, X = at, LineStyle = LineStyle.Dash, Color = OxyColors.Gray,
                Text = at == 1.0 ? "floor" : "+10 %" });
        for (int i = 0; i < verdicts.Count; i++)
        {
            var v = verdicts[i];
            var color = OxyColor.Parse(SeriesColors.Optimizer(v.Optimizer));
            double hi = double.IsFinite(v.Ratio.P90) ? v.Ratio.P90 : top;
            var range = new LineSeries { Color = OxyColor.FromAColor(120, color), StrokeThickness = 8 };
            range.Points.Add(new DataPoint(v.Ratio.P10, i));
            range.Points.Add(new DataPoint(Math.Max(hi, v.Ratio.P10 * 1.002), i));
            var median = new LineSeries { Title = v.Name, Color = color, MarkerType = MarkerType.Circle, MarkerSize = 5, MarkerFill = color, StrokeThickness = 0 };
            median.Points.Add(new DataPoint(double.IsFinite(v.Ratio.Median) ? v.Ratio.Median : top, i));
            model.Series.Add(range);
            model.Series.Add(median);
        }
        return model;
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
