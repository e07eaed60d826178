using System.Xml.Linq;
using PolyakDashboard.Figures;

namespace PolyakDashboard.Tests;

/// <summary>The CLI's SVG figures: the page's panels and contours, every record drawn (or decimated), valid SVG.</summary>
public class FigureTests : IDisposable
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private readonly string _dir = Directory.CreateTempSubdirectory("polyak-figures-").FullName;

    [Fact]
    public async Task AnExperimentDrawsThePagesPanelsAndContourWithEveryRecord()
    {
        var (code, output, _) = await CliTests.RunAsync("experiment", "1c", "--epochs", "3", "--out", _dir);
        Assert.Equal(0, code);
        string folder = Path.Combine(_dir, "1c-figures");
        Assert.Contains($"13 figures (SVG) → {folder}", output);
        // As the 1c page: a panel per batch size (mini-batch loss, step size, loss per epoch) and one contour of both wells.
        string[] expected = [.. from batch in new[] { "2", "5", "10", "25-full" } from chart in new[] { "batch-loss", "step-size", "epochs" }
                                select $"batch-{batch}-{chart}.svg", "contour-two-wells.svg"];
        Assert.Equal(expected.Order(), Directory.GetFiles(folder).Select(Path.GetFileName).Order());

        var loss = XDocument.Load(Path.Combine(folder, "batch-2-batch-loss.svg"));
        Assert.Contains("batch 2: mini-batch loss", Texts(loss));
        Assert.Contains("polyak-sgd", Texts(loss));
        Assert.Contains("sgd", Texts(loss));
        // Each run's line holds one point per record (39 steps: fewer than the decimation target), in its page colour.
        int records = File.ReadAllLines(Path.Combine(_dir, "1c-b2-polyak-sgd", "metrics.csv")).Length - 1;
        Assert.Equal(3 * 13, records);
        Assert.Equal(records, LongestLine(loss, "rgb(214,39,40)"));     // polyak-sgd's red
        Assert.Equal(records, LongestLine(loss, "rgb(31,119,180)"));    // sgd's blue

        var contour = XDocument.Load(Path.Combine(folder, "contour-two-wells.svg"));
        var texts = Texts(contour);
        Assert.Contains("two wells: loss over (x0, x1)", texts);
        Assert.Contains("local", texts);
        Assert.Contains("global", texts);
        Assert.Contains("batch 25, sgd", texts);
        Assert.True(contour.Descendants(Svg + "polyline").Count(p => Style(p).Contains("rgb(158,158,158)")) >= 10, "contour lines");
    }

    [Fact]
    public async Task ARunDecimatesLongLinesAndNoFiguresWritesNone()
    {
        var config = Path.Combine(_dir, "long.json");
        File.WriteAllText(config, """{ "problem": "quadratic", "optimizer": "sgd", "optimizerOptions": { "lr": 0.05 }, "batchSize": 1, "epochs": 30, "label": "long" }""");
        var (code, output, _) = await CliTests.RunAsync("run", "--config", config, "--out", _dir);
        Assert.Equal(0, code);
        string folder = Path.Combine(_dir, "long", "figures");
        Assert.Contains($"figures (SVG) → {folder}", output);
        var loss = XDocument.Load(Path.Combine(folder, "all-runs-batch-loss.svg"));
        int points = LongestLine(loss, "rgb(31,119,180)");
        Assert.InRange(points, 1500, 2001);          // 3,000 records, min/max decimated to the 2,000 target
        Assert.True(File.Exists(Path.Combine(folder, "contour-w1-w2.svg")));

        (code, _, _) = await CliTests.RunAsync("run", "--config", config, "--out", Path.Combine(_dir, "plain"), "--no-figures");
        Assert.Equal(0, code);
        Assert.True(File.Exists(Path.Combine(_dir, "plain", "long", "metrics.csv")));
        Assert.False(Directory.Exists(Path.Combine(_dir, "plain", "long", "figures")));
    }

    [Theory]
    [InlineData("σ = 1, batch 16", "sigma-1-batch-16")]
    [InlineData("batch 25 (full batch)", "batch-25-full")]
    [InlineData("noise σ = 0.1", "noise-sigma-0.1")]
    [InlineData("All runs", "all-runs")]
    [InlineData("???", "figure")]
    public void PanelTitlesBecomeFileNames(string title, string slug) => Assert.Equal(slug, ExperimentFigures.Slug(title));

    private static List<string> Texts(XDocument svg) => [.. svg.Descendants(Svg + "text").Select(t => t.Value)];

    private static string Style(XElement e) => (string?)e.Attribute("style") ?? "";

    // The number of points of the longest line in a colour (the series; its legend sample has two).
    private static int LongestLine(XDocument svg, string colour) => svg.Descendants(Svg + "polyline")
        .Where(p => Style(p).Contains($"stroke:{colour}"))
        .Max(p => ((string)p.Attribute("points")!).Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
