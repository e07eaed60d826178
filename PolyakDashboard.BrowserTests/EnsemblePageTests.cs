using Microsoft.Playwright;

namespace PolyakDashboard.BrowserTests;

/// <summary>The experiment pages over seeds: bands drawn, escape counts and floor ratios in the table, the findings
/// rendered from the computed ensemble.</summary>
[Collection(DashboardCollection.Name)]
public sealed class EnsemblePageTests(DashboardFixture app)
{
    private async Task<IPage> RunOverSeedsAsync(string experiment, int seeds, int width, int height, bool dark)
    {
        var page = await app.NewPageAsync();
        await page.SetViewportSizeAsync(width, height);
        await page.GotoAsync(experiment);                       // relative to the fixture's base URL
        await DashboardFixture.WaitForInteractiveAsync(page);
        if (dark != (await page.EvaluateAsync<string?>("localStorage.getItem('polyak-dashboard-theme')") == "dark"))
        {
            await page.EvaluateAsync($"localStorage.setItem('polyak-dashboard-theme', '{(dark ? "dark" : "light")}')");
            await page.ReloadAsync();
            await DashboardFixture.WaitForInteractiveAsync(page);
        }
        // The top of the page as a room sees it: the findings are one line until opened.
        await Assertions.Expect(page.Locator("[data-testid=findings] summary")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, $"page-{experiment}-top-{width}-{(dark ? "dark" : "light")}.png") });
        await page.Locator("input[data-testid=seeds]").FillAsync(seeds.ToString());
        await page.Locator("[data-testid=run-ensemble]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=ensemble-status]")).ToContainTextAsync($"× {seeds} seeds", new() { Timeout = 60_000 });
        return page;
    }

    [Fact]
    public async Task Page_1c_over_20_seeds_shows_bands_escape_fractions_and_counts()
    {
        var page = await RunOverSeedsAsync("1c", 20, 1366, 768, dark: false);
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        try
        {
            var section = page.Locator("[data-testid=ensemble]");
            // Band paths: ApexCharts draws each rangeArea series as a filled area.
            var bands = section.Locator("[data-testid=band-chart] .apexcharts-rangeArea-series path, [data-testid=band-chart] .apexcharts-rangearea-series path");
            await Assertions.Expect(bands.First).ToBeAttachedAsync(new() { Timeout = 15_000 });
            Assert.True(await bands.CountAsync() >= 8, $"{await bands.CountAsync()} band paths");
            // The escape counts: one row per configuration, "n/20" in the global-well column, summing what the findings say.
            var rows = section.Locator("[data-testid=ensemble-table] tbody tr");
            Assert.Equal(8, await rows.CountAsync());
            var escaped = await section.Locator("[data-testid=ensemble-table] td[data-escaped]").AllInnerTextsAsync();
            Assert.All(escaped, e => Assert.Matches(@"^\d+/20$", e));
            Assert.Contains(await section.Locator("[data-ensemble-finding]").AllInnerTextsAsync(), t => t.Contains("of 20 seeds"));
            await Assertions.Expect(section.GetByText("Fraction of seeds ending in the global well")).ToBeVisibleAsync();
            await section.ScrollIntoViewIfNeededAsync();
            await page.WaitForTimeoutAsync(500);
            await section.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, "ensemble-1c-1366-light.png") });
            Assert.Empty(errors);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task Page_1b_over_seeds_shows_the_floor_ratio_trend_on_a_projector_in_dark_mode()
    {
        var page = await RunOverSeedsAsync("1b", 20, 1280, 720, dark: true);
        try
        {
            var section = page.Locator("[data-testid=ensemble]");
            await Assertions.Expect(section.GetByText("Final loss / least-squares floor (median, 10–90 %)")).ToBeVisibleAsync();
            var bands = section.Locator("[data-testid=band-chart] .apexcharts-rangeArea-series path, [data-testid=band-chart] .apexcharts-rangearea-series path");
            await Assertions.Expect(bands.First).ToBeAttachedAsync(new() { Timeout = 15_000 });
            var rows = await section.Locator("[data-testid=ensemble-table] tbody tr").AllInnerTextsAsync();
            Assert.NotEmpty(rows);
            Assert.All(rows, r => Assert.Contains("/20", r));
            await section.ScrollIntoViewIfNeededAsync();
            await page.WaitForTimeoutAsync(500);
            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, "ensemble-1b-1280-dark.png") });
            await section.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, "ensemble-1b-1280-dark-section.png") });
        }
        finally
        {
            await page.CloseAsync();
        }
    }
}
