using Microsoft.Playwright;

namespace PolyakDashboard.BrowserTests;

/// <summary>Issue 21's view: "Fixes for f*" on /1b (and /1e) runs the published answers to the unknown f* over 20 seeds and
/// draws the final-loss-over-floor chart, the step-size bands, the table and the sentence of what the seeds say.</summary>
[Collection(DashboardCollection.Name)]
public sealed class FixesPageTests(DashboardFixture app)
{
    private async Task<(IPage Page, ILocator Section)> RunFixesAsync(string experiment, int width, int height, bool dark)
    {
        var page = await app.NewPageAsync();
        await page.SetViewportSizeAsync(width, height);
        await page.GotoAsync(experiment);
        await DashboardFixture.WaitForInteractiveAsync(page);
        if (dark != (await page.EvaluateAsync<string?>("localStorage.getItem('polyak-dashboard-theme')") == "dark"))
        {
            await page.EvaluateAsync($"localStorage.setItem('polyak-dashboard-theme', '{(dark ? "dark" : "light")}')");
            await page.ReloadAsync();
            await DashboardFixture.WaitForInteractiveAsync(page);
        }
        var section = page.Locator("[data-testid=fixes]");
        await section.ScrollIntoViewIfNeededAsync();
        await Assertions.Expect(section.Locator("input[data-testid=fixes-seeds]")).ToHaveValueAsync("20");
        await section.Locator("[data-testid=run-fixes]").ClickAsync();
        await Assertions.Expect(section.Locator("[data-testid=fixes-status]")).ToContainTextAsync("× 20 seeds", new() { Timeout = 90_000 });
        return (page, section);
    }

    [Theory]
    [InlineData(1366, 768, false)]
    [InlineData(1366, 768, true)]
    [InlineData(1280, 720, false)]
    [InlineData(1280, 720, true)]
    public async Task Page_1b_draws_the_fixes_chart_table_and_findings(int width, int height, bool dark)
    {
        var (page, section) = await RunFixesAsync("1b", width, height, dark);
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        try
        {
            // The chart: one row per optimizer, Polyak with f* = 0 away from the floor, DecSPS at it (20 seeds, σ = 5).
            var chart = section.Locator("[data-testid=fixes-chart]");
            await Assertions.Expect(chart.Locator(".row[data-optimizer]")).ToHaveCountAsync(8);
            Assert.Equal("false", await chart.Locator(".row[data-optimizer=polyak-sgd]").GetAttributeAsync("data-fixes"));
            Assert.Equal("true", await chart.Locator(".row[data-optimizer=decsps]").GetAttributeAsync("data-fixes"));
            var bar = await chart.Locator(".row[data-optimizer=polyak-sgd] .range").BoundingBoxAsync();
            Assert.True(bar is { Width: > 4, Height: > 4 }, "Polyak's 10–90 % bar is drawn");
            // The step-size bands and the table.
            var bands = section.Locator("[data-testid=band-chart] .apexcharts-rangeArea-series path, [data-testid=band-chart] .apexcharts-rangearea-series path");
            await Assertions.Expect(bands.First).ToBeAttachedAsync(new() { Timeout = 15_000 });
            Assert.True(await bands.CountAsync() >= 8, $"{await bands.CountAsync()} band paths");
            var rows = await section.Locator("[data-testid=fixes-table] tbody tr").AllInnerTextsAsync();
            Assert.Equal(8, rows.Count);
            Assert.All(rows, r => Assert.Contains("/20", r));
            // What to look for: rendered from these seeds, naming the fix that does not fix it here.
            var finding = await section.Locator("[data-fixes-finding='1b-fixes-within-floor']").InnerTextAsync();
            Assert.StartsWith("At σ = 5, batch 64, over 20 seeds", finding);
            Assert.Contains("SPS_max does not fix it here", finding);

            await chart.ScrollIntoViewIfNeededAsync();
            await page.WaitForTimeoutAsync(500);
            string name = $"fixes-1b-{width}-{(dark ? "dark" : "light")}";
            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, $"{name}.png") });
            await section.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, $"{name}-section.png") });
            Assert.Empty(errors);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task Page_1e_shows_momo_adam_among_the_fixes()
    {
        var (page, section) = await RunFixesAsync("1e", 1366, 768, dark: false);
        try
        {
            var chart = section.Locator("[data-testid=fixes-chart]");
            await Assertions.Expect(chart.Locator(".row[data-optimizer]")).ToHaveCountAsync(10);
            Assert.Equal("true", await chart.Locator(".row[data-optimizer=momo-adam]").GetAttributeAsync("data-fixes"));
            Assert.Equal("false", await chart.Locator(".row[data-optimizer=polyak-adam]").GetAttributeAsync("data-fixes"));
            await section.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, "fixes-1e-1366-light-section.png") });
        }
        finally
        {
            await page.CloseAsync();
        }
    }
}
