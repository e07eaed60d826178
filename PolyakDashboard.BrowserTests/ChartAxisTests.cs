using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace PolyakDashboard.BrowserTests;

/// <summary>Charts' x axes end at the data (no empty fifth of the plot after the last point), their labels where their
/// values are.</summary>
[Collection(DashboardCollection.Name)]
public sealed class ChartAxisTests(DashboardFixture app, ITestOutputHelper log)
{
    /// <summary>Per chart: the plot's edges (a horizontal grid line), how far right the lines reach, and each x label's
    /// value and centre.</summary>
    private const string Axes = """
        () => JSON.stringify([...document.querySelectorAll('[data-testid=live-chart]')].map(c => {
            const grid = c.querySelector('.apexcharts-gridlines-horizontal line, .apexcharts-grid-borders line');
            const lines = [...c.querySelectorAll('.apexcharts-series path.apexcharts-line')].map(p => p.getBoundingClientRect()).filter(r => r.width > 0);
            if (!grid || lines.length === 0) return null;
            const g = grid.getBoundingClientRect();
            // A label's text is in its tspan (its <title> repeats it).
            const labels = [...c.querySelectorAll('.apexcharts-xaxis-label tspan')].filter(t => t.textContent.trim() !== '')
                .map(t => { const r = t.getBoundingClientRect(); return { text: t.textContent.trim(), at: r.left + r.width / 2 }; });
            return { title: c.querySelector('.live-chart-title')?.textContent ?? '', left: g.left, right: g.right,
                     reach: Math.max(...lines.map(r => r.right)), labels };
        }).filter(x => x))
        """;

    private sealed record Label(string Text, double At);
    private sealed record ChartAxis(string Title, double Left, double Right, double Reach, Label[] Labels);

    [Fact]
    public async Task The_x_axis_ends_where_the_data_ends_with_labels_where_their_values_are()
    {
        // 7 epochs of 13 batches: 91 steps, which the round axis took to 100.
        var page = await app.OpenAsync("explorer?epochs=7");
        try
        {
            await Assertions.Expect(page.Locator("[data-testid=live-chart] .apexcharts-series path").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await page.WaitForTimeoutAsync(500);
            var steps = double.Parse(Regex.Match(await page.Locator("body").InnerTextAsync(), @"step \d+ of (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
            var charts = System.Text.Json.JsonSerializer.Deserialize<ChartAxis[]>(await page.EvaluateAsync<string>(Axes),
                new System.Text.Json.JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
            Assert.NotEmpty(charts);
            foreach (var c in charts)
            {
                double width = c.Right - c.Left, empty = (c.Right - c.Reach) / width;
                // The x value at the plot's right edge, read off the first and last labels.
                var (first, last) = (c.Labels[0], c.Labels[^1]);
                double v0 = double.Parse(first.Text, CultureInfo.InvariantCulture), v1 = double.Parse(last.Text, CultureInfo.InvariantCulture);
                double atRight = v1 + (c.Right - last.At) * (v1 - v0) / (last.At - first.At);
                log.WriteLine($"{c.Title}: {empty:P1} of the plot after the last point; labels {string.Join(" ", c.Labels.Select(l => l.Text))}; " +
                    $"the right edge reads {atRight:F1} for {steps} steps");
                Assert.True(empty < 0.03, $"'{c.Title}': {empty:P1} of the plot is empty after the last point");
                Assert.True(Math.Abs(atRight - steps) <= 0.03 * steps, $"'{c.Title}': by its labels the axis ends at {atRight:F1}, the data at {steps}");
            }
        }
        finally { await page.CloseAsync(); }
    }
}
