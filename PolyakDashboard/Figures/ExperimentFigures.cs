using System.Text;
using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;
using PolyakCore.Experiments;
using PolyakCore.Export;
using PolyakCore.Training;
using PolyakDashboard.Runs;

namespace PolyakDashboard.Figures;

/// <summary>One finished run, as the figures need it.</summary>
public sealed record FigureRun(string Id, RunRequest Request, RunRecorder Records, RunSummary Summary);

/// <summary>The charts an experiment page draws, as SVG files: per panel the mini-batch loss, the step size and the
/// loss per epoch (validation dashed, the floor where there is one), and the contours with the runs' paths. Drawn
/// by OxyPlot without a browser, so the headless CLI reproduces the figures, not only their numbers.</summary>
public static class ExperimentFigures
{
    public const double Width = 900, Height = 520;
    private const int MaxPoints = 2000;      // per series, min/max decimated: spikes survive

    /// <summary>Writes the figures of <paramref name="runs"/> into <paramref name="folder"/>; returns the files written.</summary>
    public static IReadOnlyList<string> Write(ExperimentLayout layout, IReadOnlyList<FigureRun> runs, string folder)
    {
        Directory.CreateDirectory(folder);
        var files = new List<string>();
        foreach (var (name, model) in Draw(layout, runs))
        {
            string path = Path.Combine(folder, name);
            using (var stream = File.Create(path)) Export(model, stream);
            files.Add(path);
        }
        return files;
    }

    /// <summary>One figure as an SVG document.</summary>
    public static void Export(PlotModel model, Stream stream) =>
        new SvgExporter { Width = Width, Height = Height, TextMeasurer = new TextMeasurer() }.Export(model, stream);

    /// <summary>The figures of <paramref name="runs"/>, each with its file name, in the page's order.</summary>
    public static IEnumerable<(string Name, PlotModel Model)> Draw(ExperimentLayout layout, IReadOnlyList<FigureRun> runs)
    {
        foreach (var panel in runs.GroupBy(r => layout.PanelOf(r.Request)))
        {
            var members = panel.ToList();
            string slug = Slug(panel.Key), title = panel.Key == ExperimentLayout.AllRuns ? "" : panel.Key + ": ";
            string name(FigureRun r) => layout.SeriesName(r.Request);
            if (layout.ShowBatchLoss)
                yield return ($"{slug}-batch-loss.svg", Lines($"{title}mini-batch loss", "step", "loss", members, name, r => r.Records.Batches.Select(b => ((double)b.Step, b.Loss))));
            yield return ($"{slug}-step-size.svg", Lines($"{title}step size", "step", "step size", members, name, r => r.Records.Batches.Select(b => ((double)b.Step, b.StepSize))));
            var epochs = Lines($"{title}loss per epoch", "epoch", "full-data loss", members, name, r => r.Records.Epochs.Select(e => ((double)e.Epoch, e.Loss)));
            foreach (var r in members.Where(r => r.Records.Epochs.Any(e => e.ValLoss is not null)))
                epochs.Series.Add(Line($"{name(r)} (validation)", Color(members, r), r.Records.Epochs.Where(e => e.ValLoss is not null).Select(e => ((double)e.Epoch, e.ValLoss!.Value)), dashed: true));
            if (Floor(members[0]) is { } floor)
            {
                epochs.Annotations.Add(new LineAnnotation { Type = LineAnnotationType.Horizontal, Y = floor.Value, Text = floor.Label, LineStyle = LineStyle.Dash, Color = OxyColors.Gray });
                Reach(epochs, floor.Value);
            }
            yield return ($"{slug}-epochs.svg", epochs);
        }
        if (layout.ContourOf is { } contourOf)
            foreach (var group in runs.GroupBy(r => contourOf(r.Request)))
                yield return ($"contour-{Slug(group.Key)}.svg", Contour(group.Key, [.. group], layout.ContourAxes));
    }

    /// <summary>A line chart of one series per run, log y when every value is positive, decimated.</summary>
    private static PlotModel Lines(string title, string x, string y, IReadOnlyList<FigureRun> runs, Func<FigureRun, string> name,
        Func<FigureRun, IEnumerable<(double X, double Y)>> points)
    {
        var model = Model(title);
        var all = runs.Select(r => points(r).Where(p => double.IsFinite(p.Y)).ToArray()).ToArray();
        bool log = all.All(s => s.All(p => p.Y > 0)) && all.Any(s => s.Length > 0);
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = x, AxisTitleDistance = 6, MinimumMajorStep = x == "epoch" ? 1 : 0 });
        model.Axes.Add(log ? new LogarithmicAxis { Position = AxisPosition.Left, Title = y + " (log)", AxisTitleDistance = 16 } : new LinearAxis { Position = AxisPosition.Left, Title = y, AxisTitleDistance = 16 });
        for (int i = 0; i < runs.Count; i++) model.Series.Add(Line(name(runs[i]), Color(runs, runs[i]), all[i]));
        return model;
    }

    // Widens the y axis down to a value the series do not reach (a floor far below the curves).
    private static void Reach(PlotModel model, double y)
    {
        var values = model.Series.OfType<LineSeries>().SelectMany(l => l.Points).Select(p => p.Y).ToArray();
        if (values.Length == 0 || y >= values.Min()) return;
        var axis = model.Axes.Single(a => a.Position == AxisPosition.Left);
        axis.Minimum = axis is LogarithmicAxis ? (y > 0 ? y / 1.2 : double.NaN) : y - 0.05 * (values.Max() - y);
    }

    private static LineSeries Line(string title, OxyColor color, IEnumerable<(double X, double Y)> points, bool dashed = false)
    {
        var data = points.Where(p => double.IsFinite(p.Y)).ToArray();
        var keep = Decimation.MinMax([.. data.Select(p => p.Y)], MaxPoints);
        // MinimumSegmentLength 0: OxyPlot would otherwise drop points within 2 px of the last one, spikes included.
        var series = new LineSeries { Title = title, Color = color, StrokeThickness = 1.5, LineStyle = dashed ? LineStyle.Dash : LineStyle.Solid, MinimumSegmentLength = 0 };
        foreach (int k in keep) series.Points.Add(new DataPoint(data[k].X, data[k].Y));
        return series;
    }

    /// <summary>The full-data loss over two parameters (log-spaced levels), each run's path and the marked minima.</summary>
    private static PlotModel Contour(string title, IReadOnlyList<FigureRun> runs, (int I, int J) axes)
    {
        var first = runs[0];
        var paths = runs.Select(r => TrajectoryViews.Path(r.Id, r.Records.Epochs, r.Records.Batches, axes.I, axes.J)).ToArray();
        var view = TrajectoryViews.Build(first.Request, first.Summary.Parameters, paths, axes.I, axes.J);
        var names = PolyakCore.Problems.ProblemCatalog.ParameterNames(first.Request.Problem);
        string plane = $"({Name(names, axes.I)}, {Name(names, axes.J)})";
        var model = Model(title == plane ? $"loss over {plane}" : $"{title}: loss over {plane}");
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = Name(names, axes.I) });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = Name(names, axes.J) });

        var grid = view.Grid;
        int nx = grid.Xs.Length, ny = grid.Ys.Length;
        var data = new double[nx, ny];
        for (int j = 0; j < ny; j++)
            for (int i = 0; i < nx; i++) data[i, j] = grid.Values[j * nx + i];
        model.Series.Add(new ContourSeries
        {
            ColumnCoordinates = grid.Xs, RowCoordinates = grid.Ys, Data = data, ContourLevels = Levels(grid.Values, 14),
            Color = OxyColor.FromRgb(0x9e, 0x9e, 0x9e), LabelFormatString = "G2", LabelBackground = OxyColors.Undefined, FontSize = 9,
        });
        for (int k = 0; k < runs.Count; k++)
        {
            var line = Line(runs[k].Request.Label ?? runs[k].Id, Color(runs, runs[k]), paths[k].X.Zip(paths[k].Y));
            line.MarkerType = MarkerType.None;
            model.Series.Add(line);
        }
        foreach (var (label, x, y) in view.Minima)
            model.Annotations.Add(new PointAnnotation { X = x, Y = y, Text = label, Shape = MarkerType.Cross, Stroke = OxyColors.Black, StrokeThickness = 2 });
        return model;
    }

    private static string Name(IReadOnlyList<string> names, int i) => i < names.Count ? names[i] : $"θ{i + 1}";

    // Levels spaced evenly in log between the grid's smallest positive value and its largest.
    private static double[] Levels(double[] values, int count)
    {
        var positive = values.Where(v => v > 0 && double.IsFinite(v)).ToArray();
        if (positive.Length == 0) return [];
        double lo = Math.Log(positive.Min()), hi = Math.Log(positive.Max());
        if (hi - lo < 1e-9) return [Math.Exp(lo)];
        return [.. Enumerable.Range(1, count).Select(k => Math.Exp(lo + (hi - lo) * k / (count + 1)))];
    }

    /// <summary>A white figure with its title and the legend inside, top right (every SVG figure of ours).</summary>
    internal static PlotModel Model(string title, double titleSize = 15)
    {
        var model = new PlotModel { Title = title, TitleFontSize = titleSize, DefaultFont = "Helvetica", Background = OxyColors.White };
        model.Legends.Add(new Legend { LegendPosition = LegendPosition.TopRight, LegendPlacement = LegendPlacement.Inside, LegendBackground = OxyColor.FromAColor(220, OxyColors.White) });
        return model;
    }

    // As the pages colour runs (SeriesColors.InGroup).
    private static OxyColor Color(IReadOnlyList<FigureRun> runs, FigureRun run) =>
        OxyColor.Parse(SeriesColors.InGroup([.. runs.Select(r => r.Request.Optimizer)], IndexOf(runs, run)));

    private static int IndexOf(IReadOnlyList<FigureRun> runs, FigureRun run)
    {
        for (int i = 0; i < runs.Count; i++) if (ReferenceEquals(runs[i], run)) return i;
        return 0;
    }

    // The least-squares floor of a noisy regression, or the corpus's entropy floor.
    private static (double Value, string Label)? Floor(FigureRun run) =>
        run.Summary.EntropyFloor is { } entropy ? (entropy, "entropy floor")
        : run.Request.Problem == PolyakCore.Problems.ProblemCatalog.ChildSpeech ? null
        : Optima.Loss(run.Request) is > 1e-12 and var floor ? (floor, "least-squares floor") : null;

    /// <summary>A file-name-safe form of a panel title ("σ = 1, batch 16" → "sigma-1-batch-16").</summary>
    public static string Slug(string title)
    {
        var s = new StringBuilder();
        foreach (char c in title.Replace("σ", "sigma").Replace("(full batch)", "full"))
        {
            if (char.IsAsciiLetterOrDigit(c) || c == '.') s.Append(char.ToLowerInvariant(c));
            else if (s.Length > 0 && s[^1] != '-') s.Append('-');
        }
        return s.ToString().Trim('-') is { Length: > 0 } slug ? slug : "figure";
    }
}

/// <summary>OxyPlot's built-in measurer (PDF font metrics) under-measures text by a fifth or so against what
/// browsers draw (Liberation Sans / Arial), so legends were clipped mid-word and axis titles touched the tick labels.</summary>
internal sealed class TextMeasurer() : PdfRenderContext(ExperimentFigures.Width, ExperimentFigures.Height, OxyColors.White)
{
    private const double WidthFactor = 1.25;

    public override OxySize MeasureText(string text, string fontFamily, double fontSize, double fontWeight)
    {
        var size = base.MeasureText(text, fontFamily, fontSize, fontWeight);
        return new OxySize(size.Width * WidthFactor, size.Height);
    }
}
