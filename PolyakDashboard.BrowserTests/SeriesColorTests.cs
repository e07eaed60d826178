using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PolyakDashboard.Runs;

namespace PolyakDashboard.BrowserTests;

/// <summary>One colour per optimizer: a run keeps its colour from the experiment page to the Runs page's compare.</summary>
[Collection(DashboardCollection.Name)]
public sealed class SeriesColorTests(DashboardFixture app)
{
    // Each legend entry (name, swatch colour) of a chart, checked against the colour ApexCharts actually stroked.
    private const string LegendColors = """
        chart => {
            const rgb = c => c ? c.match(/\d+/g).slice(0, 3).join(',') : '';   // the line is drawn at some opacity
            const names = [...chart.querySelectorAll('.live-chart-legend-item')].map(i => [i.textContent.trim(), rgb(getComputedStyle(i.querySelector('.swatch')).backgroundColor)]);
            const strokes = [...chart.querySelectorAll('.apexcharts-series')].map(g => {
                const line = g.querySelector('path.apexcharts-line');
                return line ? rgb(getComputedStyle(line).stroke) : null;
            });
            return names.map(([name, color], i) => `${name}|${color}|${strokes[i] ?? ''}`);
        }
        """;

    private static async Task<Dictionary<string, string>> ColorsByOptimizerAsync(ILocator chart)
    {
        var entries = await chart.EvaluateAsync<string[]>(LegendColors);
        var colors = new Dictionary<string, string>();
        foreach (var entry in entries)
        {
            var (name, swatch, stroke) = (entry.Split('|')[0], entry.Split('|')[1], entry.Split('|')[2]);
            Assert.True(stroke == "" || stroke == swatch, $"{name}: legend {swatch}, line {stroke}");
            var optimizer = name.Split(", ").Last();   // a run's label ends with its optimizer
            colors[optimizer] = swatch;
        }
        return colors;
    }

    [Fact]
    public async Task Each_optimizer_has_the_same_colour_on_1b_and_in_Runs_compare_of_the_same_runs()
    {
        var page = await app.OpenAsync("1b");
        try
        {
            await page.Locator("input[data-testid=epochs]").FillAsync("2");
            var status = page.Locator("[data-testid=status]");
            string? before = await status.CountAsync() > 0 ? await status.GetAttributeAsync("data-launch") : null;
            await page.Locator("[data-testid=run]").ClickAsync();
            await page.WaitForFunctionAsync("before => { const s = document.querySelector('[data-testid=status]'); return s && s.dataset.launch !== before; }", before);
            await Assertions.Expect(status).ToContainTextAsync("finished", new() { Timeout = 60_000 });
            var launch = await status.GetAttributeAsync("data-launch");

            // The first panel (σ = 0, batch 16): polyak-sgd and sgd.
            var stepChart = page.Locator("[data-testid=live-chart]").First;
            await Assertions.Expect(stepChart.Locator(".apexcharts-series path.apexcharts-line")).ToHaveCountAsync(2, new() { Timeout = 10_000 });
            var onPage = await ColorsByOptimizerAsync(stepChart);
            Assert.Equal(["polyak-sgd", "sgd"], onPage.Keys.Order());
            Assert.NotEqual(onPage["polyak-sgd"], onPage["sgd"]);

            var runs = app.Services.GetRequiredService<RunService>().LatestLaunch("1b")
                .Where(r => r.LaunchId == launch && r.Request.ProblemOptions.Noise == 0 && r.Request.BatchSize == 16).ToList();
            Assert.Equal(2, runs.Count);
            var runsPage = await app.OpenAsync("runs?search=" + Uri.EscapeDataString("σ=0, batch 16"));
            try
            {
                var rows = runsPage.Locator("[data-testid=runs-table] tbody tr");
                // Ticked in the order that used to swap the colours (the compare's first run took the palette's first colour).
                foreach (var run in runs.OrderBy(r => r.Request.Optimizer == "sgd" ? 0 : 1))
                {
                    var row = rows.Filter(new() { Has = runsPage.Locator($"[data-run='{run.Id}']") });
                    await Assertions.Expect(row).ToHaveCountAsync(1, new() { Timeout = 15_000 });
                    await row.Locator("input[type=checkbox]").CheckAsync(new() { Force = true });
                }
                var compare = runsPage.Locator("[data-testid=compare][data-state=ready][data-runs='2']");
                await Assertions.Expect(compare).ToBeVisibleAsync(new() { Timeout = 15_000 });
                foreach (var chart in await compare.Locator("[data-testid=live-chart]").AllAsync())
                {
                    // Both runs drawn and in the legend (one line may land a frame before the other).
                    await Assertions.Expect(chart.Locator(".live-chart-legend-item")).ToHaveCountAsync(2, new() { Timeout = 10_000 });
                    await Assertions.Expect(chart.Locator(".apexcharts-series path.apexcharts-line")).ToHaveCountAsync(2, new() { Timeout = 10_000 });
                    var inCompare = await ColorsByOptimizerAsync(chart);
                    Assert.Equal(onPage["polyak-sgd"], inCompare["polyak-sgd"]);
                    Assert.Equal(onPage["sgd"], inCompare["sgd"]);
                }
            }
            finally { await runsPage.CloseAsync(); }
        }
        finally { await page.CloseAsync(); }
    }
}
