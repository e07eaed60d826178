using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PolyakDashboard.Runs;
using PolyakCore.Text;

namespace PolyakDashboard.BrowserTests;

[Collection(DashboardCollection.Name)]
public sealed class ChildSpeechPageTests(DashboardFixture app)
{
    /// <summary>The first steps of a 1d run take seconds: the status counts the time from the start instead of a bare
    /// "estimating…".</summary>
    [Fact]
    public async Task Page_1d_shows_the_elapsed_time_until_an_estimate_exists()
    {
        var page = await app.OpenAsync("1d");
        var runs = app.Services.GetRequiredService<RunService>();
        string? before = runs.LatestLaunch("1d").FirstOrDefault()?.LaunchId;
        try
        {
            await page.Locator("input[data-testid=epochs]").FillAsync("1");
            // Every status text of our launch, as the page renders it.
            await page.EvaluateAsync("""
                before => {
                    window.__statuses = [];
                    const record = () => {
                        const s = document.querySelector('[data-testid=status]');
                        if (s && s.dataset.launch !== before) window.__statuses.push(s.textContent.replace(/\s+/g, ' ').trim());
                    };
                    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
                }
                """, before ?? "");
            await page.Locator("[data-testid=run]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=status]")).ToContainTextAsync(new Regex(@"\d+ s elapsed, about"), new() { Timeout = 60_000 });
            var statuses = await page.EvaluateAsync<string[]>("() => window.__statuses");
            Assert.NotEmpty(statuses);
            Assert.DoesNotContain(statuses, t => t.Contains("estimating") && !t.Contains("elapsed"));
        }
        finally
        {
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (DateTime.UtcNow < deadline && runs.LatestLaunch("1d").FirstOrDefault()?.LaunchId == before) await Task.Delay(50);
            foreach (var launch in runs.LatestLaunch("1d").Select(r => r.LaunchId).Distinct()) runs.CancelLaunch(launch);
            while (DateTime.UtcNow < deadline && runs.LatestLaunch("1d").Any(r => !r.IsFinished)) await Task.Delay(50);
            await page.CloseAsync();
        }
    }

    /// <summary>The page opens on the report's settings (what the shipped reproduction ran) and says how long they take;
    /// "A quick look" turns the form into the 10-epoch run in one click, and "The report's settings" back. Screenshots of
    /// the opened page at 1366×768 and a 1280×720 projector, light and dark.</summary>
    [Theory]
    [InlineData("light")]
    [InlineData("dark")]
    public async Task Page_1d_opens_on_the_reports_settings_and_a_quick_look_is_one_click(string theme)
    {
        var page = await app.OpenInThemeAsync("1d", theme);
        try
        {
            async Task ExpectForm(string epochs, string batch, string dropout)
            {
                await Assertions.Expect(page.Locator("input[data-testid=epochs]")).ToHaveValueAsync(epochs);
                await Assertions.Expect(page.Locator("[data-testid=batch-size] input, input[data-testid=batch-size]").First).ToHaveValueAsync(batch);
                await Assertions.Expect(page.Locator("[data-testid=dropout] input, input[data-testid=dropout]").First).ToHaveValueAsync(dropout);
            }
            await ExpectForm("100", "16", "0.2");
            await Assertions.Expect(page.Locator("[data-testid=adam-beta2] input, input[data-testid=adam-beta2]").First).ToHaveValueAsync("0.9999");
            if (await page.Locator("[data-testid=status]").CountAsync() == 0)     // the hint stands in for a launch's charts (bUnit checks it too)
                await Assertions.Expect(page.Locator("[data-testid=start-hint]")).ToContainTextAsync("The defaults are the report's settings for 100 epochs");
            foreach (var (width, height) in new[] { (1366, 768), (1280, 720) })
            {
                await page.SetViewportSizeAsync(width, height);
                await page.EvaluateAsync("() => window.scrollTo(0, 0)");
                await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, $"1d-defaults-{theme}-{width}x{height}.png") });
                await page.Locator("[data-testid=run]").ScrollIntoViewIfNeededAsync();
                await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, $"1d-defaults-buttons-{theme}-{width}x{height}.png") });
            }
            await page.Locator("[data-testid=quick-look]").ClickAsync();
            await ExpectForm("10", "32", "");
            await page.Locator("[data-testid=reset-settings]").ClickAsync();
            await ExpectForm("100", "16", "0.2");
        }
        finally { await page.CloseAsync(); }
    }

    /// <summary>The corpus shape moves the exact floor, and the "Polyak step vs model size" figure and its finding show in
    /// the theme's colours; screenshots at 1366×768 and a 1280×720 projector, light and dark.</summary>
    [Theory]
    [InlineData("light")]
    [InlineData("dark")]
    public async Task Page_1d_shows_the_corpus_floor_moving_and_the_Polyak_ladder(string theme)
    {
        var page = await app.OpenInThemeAsync("1d", theme);
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        try
        {
            var floor = page.Locator("[data-testid=entropy-floor]");
            await Assertions.Expect(floor).ToHaveTextAsync(ChildSpeechCorpus.EntropyFloor().ToString("F4"));
            await page.Locator("input[data-testid=zipf]").FillAsync("1");
            await page.Locator("input[data-testid=per-line-1]").FillAsync("4");
            await page.Locator("input[data-testid=per-line-2]").FillAsync("3");
            await page.Locator("input[data-testid=per-line-3]").FillAsync("2");
            await page.Locator("input[data-testid=per-line-4]").FillAsync("1");
            var expected = GeneratorEntropy.Floor(new ChildSpeechGenerator { Zipf = 1, PhrasesPerLine = [4, 3, 2, 1] });
            await Assertions.Expect(floor).ToHaveTextAsync(expected.ToString("F4"));
            await Assertions.Expect(page.Locator("[data-testid=corpus-yardsticks]")).ToContainTextAsync("today's corpus");

            var panel = page.Locator("[data-testid=polyak-ladder]");
            var figure = panel.Locator($"img.ladder-{theme}");
            await Assertions.Expect(figure).ToBeVisibleAsync();
            await Assertions.Expect(panel.Locator($"img.ladder-{(theme == "dark" ? "light" : "dark")}")).ToBeHiddenAsync();
            Assert.True(await figure.EvaluateAsync<int>("img => img.naturalWidth") > 0, "the figure's SVG did not load");
            var finding = await panel.Locator("[data-testid=ladder-finding] li").AllInnerTextsAsync();
            Assert.True(finding.Count >= 5, $"{finding.Count} sentences");
            Assert.Contains(finding, f => f.Contains("median Polyak step from"));
            await Assertions.Expect(panel.Locator("[data-testid=ladder-headline]")).ToContainTextAsync("The Polyak step");

            foreach (var (width, height) in new[] { (1366, 768), (1280, 720) })
            {
                await page.SetViewportSizeAsync(width, height);
                await page.Locator("[data-testid=corpus-shape]").ScrollIntoViewIfNeededAsync();
                await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, $"1d-corpus-shape-{theme}-{width}x{height}.png") });
                await panel.ScrollIntoViewIfNeededAsync();
                await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, $"1d-polyak-ladder-{theme}-{width}x{height}.png") });
                Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), $"horizontal scroll at {width}×{height}");
            }
            Assert.Empty(errors);
        }
        finally { await page.CloseAsync(); }
    }

    /// <summary>Uploads a small corpus through the page (one iteration an epoch keeps it quick), trains the three
    /// optimizers for two epochs, and checks the curves, the results and the checkpoints.</summary>
    [Fact]
    public async Task Page_1d_trains_on_an_uploaded_corpus_and_shows_train_and_validation_curves()
    {
        var page = await app.OpenAsync("1d");
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        try
        {
            var corpus = Path.Combine(Path.GetTempPath(), $"little-{Guid.NewGuid():N}.txt");
            await File.WriteAllTextAsync(corpus, ChildSpeechCorpus.Generate(300, seed: 2));
            await page.Locator("input[type=file]").Last.SetInputFilesAsync(corpus);
            await Assertions.Expect(page.Locator("[data-testid=upload-message]")).ToContainTextAsync("300 lines", new() { Timeout = 15_000 });
            await Assertions.Expect(page.Locator("[data-testid=upload-message]")).ToContainTextAsync("Kneser–Ney");
            // An uploaded corpus has no floor: its measured reference (n-gram losses on the GPT's split) shows instead.
            await Assertions.Expect(page.Locator("[data-testid=ngram-reference]")).ToContainTextAsync("Measured reference");
            await Assertions.Expect(page.Locator("[data-testid=entropy-floor]")).ToHaveCountAsync(0);

            // A corpus with bytes that are not UTF-8 is refused with a message, and nothing else changes.
            var bad = Path.Combine(Path.GetTempPath(), $"bad-{Guid.NewGuid():N}.txt");
            await File.WriteAllBytesAsync(bad, [0xFF, 0xFE, 0x41, 0x00, 0xC3, 0x28]);
            await page.Locator("input[type=file]").Last.SetInputFilesAsync(bad);
            await Assertions.Expect(page.Locator("[data-testid=upload-message]")).ToContainTextAsync("not UTF-8", new() { Timeout = 15_000 });

            await page.Locator("input[data-testid=epochs]").FillAsync("2");
            var status = page.Locator("[data-testid=status]");
            // The page shows the last launch on arrival (another test's, on this shared server): wait for our own.
            string? before = await status.CountAsync() > 0 ? await status.GetAttributeAsync("data-launch") : null;
            await page.Locator("[data-testid=run]").ClickAsync();
            await page.WaitForFunctionAsync(
                "before => { const s = document.querySelector('[data-testid=status]'); return s && s.dataset.launch !== before; }",
                before, new() { Timeout = 15_000 });
            await Assertions.Expect(status).ToContainTextAsync("finished", new() { Timeout = 180_000 });
            Assert.Contains("3 completed", await status.InnerTextAsync());

            // Six curves (train and validation per optimizer) with three points each (epochs 0, 1, 2).
            var epochChart = page.Locator("[data-testid=live-chart]").First;
            await Assertions.Expect(epochChart.Locator(".apexcharts-series path.apexcharts-line")).ToHaveCountAsync(6, new() { Timeout = 10_000 });
            var results = page.Locator("[data-testid=results]");
            Assert.Equal(3, await results.Locator("tbody tr").CountAsync());
            await Assertions.Expect(results.Locator("[data-testid=best-val]").First).ToContainTextAsync("epoch", new() { Timeout = 10_000 });
            Assert.Equal(6, await results.Locator("a[href*='/playground?checkpoint=']").CountAsync());   // best + last per run
            await page.WaitForTimeoutAsync(500);
            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, "page-1d.png"), FullPage = true });
            Assert.Empty(errors);

            // A checkpoint link opens the playground with that checkpoint selected.
            var link = results.Locator("a[href*='/playground?checkpoint=']").First;
            var name = (await link.InnerTextAsync()).Trim();
            await link.ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=checkpoint-info]")).ToContainTextAsync(name, new() { Timeout = 15_000 });
        }
        finally
        {
            await page.CloseAsync();
        }
    }
}
