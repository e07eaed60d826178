using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;
using PolyakCore.Training;

namespace PolyakDashboard.Figures;

/// <summary>"Polyak step vs model size": per batch size the median Polyak step (f − 0)/‖g‖² over a rung's first steps
/// (solid) and the very first step (dotted) against the parameter count, both axes logarithmic; and ‖g‖² the same way.</summary>
public static class LadderFigures
{
    public const string StepFile = "polyak-step-vs-size.svg", GradFile = "grad-norm-vs-size.svg";

    public static IReadOnlyList<string> Write(PolyakLadder ladder, string folder)
    {
        Directory.CreateDirectory(folder);
        var files = new List<string>();
        foreach (var (name, model) in Draw(ladder))
        {
            string path = Path.Combine(folder, name);
            using (var stream = File.Create(path)) ExperimentFigures.Export(model, stream);
            files.Add(path);
        }
        return files;
    }

    public static IEnumerable<(string Name, PlotModel Model)> Draw(PolyakLadder ladder)
    {
        yield return (StepFile, StepChart(ladder));
        yield return (GradFile, Chart(ladder, "‖g‖² vs model size", "‖g‖² (log)", r => r.MedianGradNormSq, r => r.First.GradNormSq, null));
    }

    /// <summary>The step figure as an SVG string (the 1d page shows it inline).</summary>
    public static string StepSvg(PolyakLadder ladder, bool dark = false)
    {
        var model = StepChart(ladder);
        if (dark) Darken(model);
        using var stream = new MemoryStream();
        ExperimentFigures.Export(model, stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static readonly string[] BatchColors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];

    private static PlotModel StepChart(PolyakLadder ladder) =>
        Chart(ladder, "Polyak step (f − 0)/‖g‖² vs model size", "Polyak step (log)", r => r.MedianStep, r => r.First.StepSize, r => r.MaxStep);

    private static PlotModel Chart(PolyakLadder ladder, string title, string yTitle, Func<ProbeResult, double> median, Func<ProbeResult, double> first,
        Func<ProbeResult, double>? max)
    {
        var model = new PlotModel { Title = title, Subtitle = $"first steps of Polyak SGD (f* = 0, no cap) · {ladder.Machine}" };
        model.Legends.Add(new Legend { LegendPosition = LegendPosition.RightMiddle, LegendPlacement = LegendPlacement.Outside });
        model.Axes.Add(new LogarithmicAxis { Position = AxisPosition.Bottom, Title = "parameters (log)", MajorGridlineStyle = LineStyle.Dot, MinimumPadding = 0.06, MaximumPadding = 0.06 });
        model.Axes.Add(new LogarithmicAxis { Position = AxisPosition.Left, Title = yTitle, MajorGridlineStyle = LineStyle.Dot });
        var batches = ladder.Batches;
        for (int i = 0; i < batches.Count; i++)
        {
            var color = OxyColor.Parse(BatchColors[i % BatchColors.Length]);
            var rows = ladder.Results.Where(r => r.Batch == batches[i]).OrderBy(r => r.Parameters).ToArray();
            var medianLine = new LineSeries { Title = $"batch {batches[i]}: median over the first steps", Color = color, StrokeThickness = 2, MarkerType = MarkerType.Circle, MarkerSize = 4 };
            var firstLine = new LineSeries { Title = $"batch {batches[i]}: first step", Color = color, LineStyle = LineStyle.Dot, MarkerType = MarkerType.Diamond, MarkerSize = 3 };
            foreach (var r in rows)
            {
                if (median(r) > 0) medianLine.Points.Add(new DataPoint(r.Parameters, median(r)));
                if (first(r) > 0) firstLine.Points.Add(new DataPoint(r.Parameters, first(r)));
            }
            model.Series.Add(medianLine);
            model.Series.Add(firstLine);
            if (max is not null)
            {
                var maxLine = new LineSeries { Title = $"batch {batches[i]}: largest step", Color = color, LineStyle = LineStyle.Dash, StrokeThickness = 1, MarkerType = MarkerType.Triangle, MarkerSize = 3 };
                foreach (var r in rows.Where(r => max(r) > 0)) maxLine.Points.Add(new DataPoint(r.Parameters, max(r)));
                model.Series.Add(maxLine);
            }
            if (i != 0) continue;
            // Rung names under the first batch's points; a rung the same size as the one before (the report's context)
            // is named above its point instead, so the two names do not overlap.
            double? previous = null;
            foreach (var r in rows.Where(r => median(r) > 0))
            {
                bool crowded = previous is { } p && r.Parameters < p * 1.1;
                model.Annotations.Add(new OxyPlot.Annotations.PointAnnotation
                {
                    X = r.Parameters, Y = median(r), Text = r.Rung, Size = 0,
                    TextVerticalAlignment = crowded ? VerticalAlignment.Bottom : VerticalAlignment.Top,
                    TextHorizontalAlignment = crowded ? HorizontalAlignment.Right : HorizontalAlignment.Center,
                });
                previous = r.Parameters;
            }
        }
        return model;
    }

    private static void Darken(PlotModel model)
    {
        var text = OxyColor.Parse("#e0e0e0");
        model.TextColor = text;
        model.PlotAreaBorderColor = OxyColor.Parse("#888888");
        foreach (var axis in model.Axes) { axis.TextColor = text; axis.TitleColor = text; axis.TicklineColor = text; axis.MajorGridlineColor = OxyColor.Parse("#555555"); }
        foreach (var legend in model.Legends) { legend.LegendTextColor = text; }
        foreach (var a in model.Annotations) a.TextColor = text;
    }
}
