using Microsoft.Playwright;

namespace PolyakDashboard.BrowserTests;

/// <summary>A chart's toolbar tooltips never cover its plot (the smoothing tooltip hid the chart's top while dragging).</summary>
[Collection(DashboardCollection.Name)]
public sealed class ChartToolbarTests(DashboardFixture app)
{
    /// <summary>Shown tooltips that overlap the first chart's plot, with their text.</summary>
    private const string OverPlot = """
        () => {
            const plot = document.querySelector('[data-testid=live-chart] [data-plot]').getBoundingClientRect();
            return [...document.querySelectorAll('.mud-tooltip')].filter(t => {
                const r = t.getBoundingClientRect();
                return r.width > 0 && getComputedStyle(t).visibility !== 'hidden' && getComputedStyle(t).opacity !== '0'
                    && r.bottom > plot.top && r.top < plot.bottom && r.right > plot.left && r.left < plot.right;
            }).map(t => t.textContent.trim());
        }
        """;

    [Fact]
    public async Task Hovering_or_dragging_the_toolbar_shows_no_tooltip_over_the_plot()
    {
        var page = await app.OpenAsync("explorer");
        try
        {
            var chart = page.Locator("[data-testid=live-chart]").First;
            await Assertions.Expect(chart.Locator(".apexcharts-series path").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await chart.ScrollIntoViewIfNeededAsync();
            var slider = chart.Locator(".live-chart-slider input[type=range]");
            var targets = new[]
            {
                ("the smoothing caption", chart.Locator(".live-chart-smoothing").GetByText("Smoothing", new() { Exact = true })),
                ("the smoothing slider", slider),
                ("the CSV button", chart.Locator("button[aria-label='Download CSV']")),
                ("the PNG button", chart.Locator("button[aria-label='Download PNG']")),
            };
            foreach (var (name, target) in targets)
            {
                await target.HoverAsync();
                await page.WaitForTimeoutAsync(700);      // past MudTooltip's delay and fade-in
                var over = await page.EvaluateAsync<string[]>(OverPlot);
                Assert.True(over.Length == 0, $"hovering {name}: tooltip over the plot: {string.Join(" | ", over)}");
            }
            // Dragging the slider: nothing covers the chart it smooths.
            var box = (await slider.BoundingBoxAsync())!;
            await page.Mouse.MoveAsync(box.X + 2, box.Y + box.Height / 2);
            await page.Mouse.DownAsync();
            await page.Mouse.MoveAsync(box.X + box.Width * 0.6f, box.Y + box.Height / 2, new() { Steps = 5 });
            await page.WaitForTimeoutAsync(700);
            var dragging = await page.EvaluateAsync<string[]>(OverPlot);
            await page.Mouse.UpAsync();
            Assert.True(dragging.Length == 0, $"dragging the smoothing slider: tooltip over the plot: {string.Join(" | ", dragging)}");
        }
        finally { await page.CloseAsync(); }
    }
}
