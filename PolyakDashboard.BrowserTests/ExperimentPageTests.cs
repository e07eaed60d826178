using Microsoft.Playwright;

namespace PolyakDashboard.BrowserTests;

[Collection(DashboardCollection.Name)]
public sealed class ExperimentPageTests(DashboardFixture app)
{
    /// <summary>Presses Run and waits until the page shows the new launch (it shows the last one on arrival).</summary>
    private static async Task<ILocator> RunAndWaitAsync(IPage page, int timeoutSeconds = 60)
    {
        var status = page.Locator("[data-testid=status]");
        string? before = await status.CountAsync() > 0 ? await status.GetAttributeAsync("data-launch") : null;
        await page.Locator("[data-testid=run]").ClickAsync();
        try
        {
            await page.WaitForFunctionAsync(
                "before => { const s = document.querySelector('[data-testid=status]'); return s && s.dataset.launch !== before; }",
                before, new() { Timeout = 15_000 });
        }
        catch (TimeoutException)
        {
            await page.ScreenshotAsync(new() { Path = Path.Combine(AppContext.BaseDirectory, "screenshots", "run-did-not-start.png"), FullPage = true });
            throw;
        }
        await Assertions.Expect(status).ToContainTextAsync("finished", new() { Timeout = timeoutSeconds * 1000 });
        return status;
    }

    [Fact]
    public async Task Page_1a_runs_and_streams_points_into_the_charts()
    {
        var page = await app.OpenAsync("1a");
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        try
        {
            await page.Locator("input[data-testid=epochs]").FillAsync("60");
            var status = await RunAndWaitAsync(page);
            await Assertions.Expect(status).ToContainTextAsync("1 completed");
            Assert.Contains("1,920 of 1,920 steps", await status.InnerTextAsync());

            // The loss chart received points: ApexCharts drew a line with many vertices.
            var lossLine = page.Locator("[data-testid=live-chart]").First.Locator(".apexcharts-series path.apexcharts-line");
            await Assertions.Expect(lossLine.First).ToBeVisibleAsync(new() { Timeout = 10_000 });
            var d = await lossLine.First.GetAttributeAsync("d") ?? "";
            Assert.True(d.Split('L').Length > 100, $"the loss line has only {d.Split('L').Length} vertices");

            // The contour has bands and the trajectory; the results table shows w near (0, 2, 1).
            await Assertions.Expect(page.Locator(".landscape svg path").First).ToBeVisibleAsync(new() { Timeout = 10_000 });
            var results = await page.Locator("[data-testid=results]").InnerTextAsync();
            Assert.Contains("completed", results);

            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, "page-1a.png"), FullPage = true });
            Assert.Empty(errors);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Theory]
    [InlineData("1b", 10, 12)]
    [InlineData("1c", 20, 8)]
    [InlineData("1e", 10, 10)]
    public async Task Grid_pages_run_every_cell_and_draw_their_charts(string experiment, int epochs, int runs)
    {
        var page = await app.OpenAsync(experiment);
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        try
        {
            await page.Locator("input[data-testid=epochs]").FillAsync(epochs.ToString());
            var status = await RunAndWaitAsync(page, 120);
            Assert.Matches($"{runs} (completed|diverged)|completed.*diverged|diverged.*completed", await status.InnerTextAsync());
            await Assertions.Expect(page.Locator(".apexcharts-series path.apexcharts-line").First).ToBeVisibleAsync(new() { Timeout = 10_000 });
            Assert.Equal(runs, await page.Locator("[data-testid=results] tbody tr").CountAsync());
            await page.WaitForTimeoutAsync(500);   // let the last redraws land before the picture
            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, $"page-{experiment}.png"), FullPage = true });
            Assert.Empty(errors);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task Diverging_runs_show_diverged_and_where_and_the_page_keeps_working()
    {
        var page = await app.OpenAsync("1b");
        try
        {
            await page.Locator("input[data-testid=epochs]").FillAsync("10");
            await page.Locator("input[data-testid=lr]").FillAsync("10");
            var status = await RunAndWaitAsync(page);
            await Assertions.Expect(status).ToContainTextAsync("diverged");
            var message = page.Locator("[data-testid=run-message]").First;
            await Assertions.Expect(message).ToContainTextAsync("Diverged at step");
            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, "page-1b-diverged.png"), FullPage = true });

            // The server and the page carry on: a sane run afterwards completes. (Run folded the settings to their
            // summary line; a click on it opens them again.)
            await page.Locator("[data-testid=settings-summary]").ClickAsync();
            await page.Locator("input[data-testid=lr]").FillAsync("0.1");
            await page.Locator("input[data-testid=epochs]").FillAsync("2");
            await RunAndWaitAsync(page);
            await Assertions.Expect(status).ToContainTextAsync("12 completed");
        }
        finally
        {
            await page.CloseAsync();
        }
    }
}
