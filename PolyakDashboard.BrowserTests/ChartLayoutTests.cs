using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PolyakCore.Experiments;
using PolyakDashboard.Runs;

namespace PolyakDashboard.BrowserTests;

/// <summary>On a 1280 px projector an experiment page puts at most three charts in a row (1c had four of ~236 px).</summary>
[Collection(DashboardCollection.Name)]
public sealed class ChartLayoutTests(DashboardFixture app)
{
    /// <summary>Live charts grouped by the row they sit in: the widest row's count and the narrowest chart.</summary>
    private const string Rows = """
        () => {
            const rows = new Map();
            const widths = [];
            for (const c of document.querySelectorAll('[data-testid=live-chart]')) {
                const r = c.getBoundingClientRect();
                if (r.width === 0) continue;
                const top = Math.round(r.top / 10);
                rows.set(top, (rows.get(top) ?? 0) + 1);
                widths.push(r.width);
            }
            return [Math.max(0, ...rows.values()), Math.round(Math.min(...widths))];
        }
        """;

    [Theory]
    [InlineData("1b")]
    [InlineData("1c")]
    public async Task At_most_three_charts_a_row_at_1280(string experiment)
    {
        // A launch to show (cancelled at once: only its charts' places matter).
        var runs = app.Services.GetRequiredService<RunService>();
        var started = runs.StartExperiment(experiment, new ExperimentOverrides { Epochs = 1 });
        Assert.True(started.Started, string.Join("; ", started.Errors.Select(e => e.Message)));
        runs.CancelLaunch(started.Runs[0].LaunchId);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline && runs.LatestLaunch(experiment).Any(r => !r.IsFinished)) await Task.Delay(50);

        var page = await app.NewPageAsync();
        await page.SetViewportSizeAsync(1280, 720);
        try
        {
            await page.GotoAsync(experiment);
            await DashboardFixture.WaitForInteractiveAsync(page);
            await Assertions.Expect(page.Locator("[data-testid=live-chart]").First).ToBeVisibleAsync(new() { Timeout = 15_000 });
            var rows = await page.EvaluateAsync<int[]>(Rows);
            Assert.True(rows[0] is >= 1 and <= 3, $"/{experiment}: {rows[0]} charts in a row at 1280 px (narrowest {rows[1]} px)");
            Assert.True(rows[1] >= 300, $"/{experiment}: a chart only {rows[1]} px wide at 1280 px");
        }
        finally { await page.CloseAsync(); }
    }
}
