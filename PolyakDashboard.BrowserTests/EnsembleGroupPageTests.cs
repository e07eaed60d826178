using System.IO.Compression;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PolyakDashboard.Experiments;
using PolyakDashboard.Runs;

namespace PolyakDashboard.BrowserTests;

/// <summary>Ensembles on the Runs page (one row that opens to its configurations; compare draws bands; export downloads
/// the CLI's files) and on an experiment page as they compute (the band fills in, or appears at once).</summary>
[Collection(DashboardCollection.Name)]
public sealed class EnsembleGroupPageTests(DashboardFixture app)
{
    private const string Bands = "[data-testid=band-chart] .apexcharts-rangeArea-series path, [data-testid=band-chart] .apexcharts-rangearea-series path";

    [Fact]
    public async Task A_20_seed_1b_ensemble_is_one_row_that_opens_to_its_configurations_compares_as_bands_and_exports()
    {
        using var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        var made = await http.PostAsJsonAsync("api/experiments/1b/runs", new { seeds = 20 });
        made.EnsureSuccessStatusCode();
        string id = JsonDocument.Parse(await made.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;

        foreach (var (width, height, dark) in new[] { (1366, 768, false), (1280, 720, true), (1366, 768, true), (1280, 720, false) })
        {
            var page = await app.NewPageAsync();
            var errors = new List<string>();
            page.PageError += (_, e) => errors.Add(e);
            try
            {
                await page.SetViewportSizeAsync(width, height);
                await SetThemeAsync(page, dark);
                await page.GotoAsync($"runs?search={id}");
                await DashboardFixture.WaitForInteractiveAsync(page);
                string shot = $"runs-ensemble-{width}-{(dark ? "dark" : "light")}";

                // One row for the 480 runs.
                var rows = page.Locator("[data-testid=runs-table] tbody tr").Filter(new() { Has = page.Locator("[data-testid=run-name]") });
                await Assertions.Expect(rows).ToHaveCountAsync(1, new() { Timeout = 15_000 });
                await Assertions.Expect(rows.Locator($"[data-ensemble='{id}']")).ToHaveTextAsync("ensemble · 20 seeds × 24 configurations");

                // It opens to its 24 configurations: median final loss with its 10–90 % range, divergences.
                await Assertions.Expect(page.Locator("[data-testid=ensemble-details]")).ToHaveCountAsync(0);
                await rows.Locator("[data-testid=expand]").ClickAsync();
                var details = page.Locator($"[data-testid=ensemble-details][data-ensemble='{id}'][data-state=ready]");
                await Assertions.Expect(details).ToBeVisibleAsync(new() { Timeout = 15_000 });
                var configurations = details.Locator("[data-testid=ensemble-table] tbody tr");
                await Assertions.Expect(configurations).ToHaveCountAsync(24);
                Assert.All(await configurations.AllInnerTextsAsync(), r => Assert.Matches(@"\(.+–.+\)[\s\S]*\d+/20", r));
                await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, shot + "-open.png") });
                // Opened, the row's table fits the run table: no sideways scrolling at a laptop's or a projector's width.
                var widths = await page.EvaluateAsync<int[]>("() => { const c = document.querySelector('[data-testid=runs-table] .mud-table-container'); return [c.scrollWidth, c.clientWidth]; }");
                Assert.True(widths[0] <= widths[1] + 1, $"the run table scrolls sideways at {width} px: {widths[0]} > {widths[1]}");

                // Ticked: its configurations' medians with their bands, per panel of 1b (12 panels × 2 charts × 2 optimizers).
                await rows.Locator("input[type=checkbox]").CheckAsync(new() { Force = true });
                var compare = page.Locator("[data-testid=ensemble-compare][data-state=ready][data-groups='1']");
                await Assertions.Expect(compare).ToBeVisibleAsync(new() { Timeout = 15_000 });
                await Assertions.Expect(compare.Locator(Bands).First).ToBeAttachedAsync(new() { Timeout = 15_000 });
                await AtLeastAsync(compare.Locator(Bands), 48);
                var bandPath = await compare.Locator(Bands).First.GetAttributeAsync("d");
                Assert.True((bandPath ?? "").Split('L').Length > 20, "a band with hardly any vertices");
                await compare.Locator("[data-testid=band-chart]").First.ScrollIntoViewIfNeededAsync();
                await page.WaitForTimeoutAsync(300);
                await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, shot + "-compare.png") });

                if (width == 1366 && !dark)
                {
                    // Export: a zip with the CLI's files; its ensemble.json parses.
                    var download = await page.RunAndWaitForDownloadAsync(() => rows.Locator("[data-testid=export-group]").ClickAsync());
                    Assert.Equal($"{id}.zip", download.SuggestedFilename);
                    string file = Path.Combine(app.ScreenshotDir, download.SuggestedFilename);
                    await download.SaveAsAsync(file);
                    using var zip = ZipFile.OpenRead(file);
                    Assert.Equal(["ensemble.csv", "epochs.csv", "ensemble.json"], zip.Entries.Select(e => e.FullName));
                    using var json = JsonDocument.Parse(zip.GetEntry("ensemble.json")!.Open());
                    Assert.Equal(20, json.RootElement.GetProperty("seeds").GetInt32());
                    Assert.Equal(24, json.RootElement.GetProperty("configurations").GetArrayLength());
                }
                Assert.Empty(errors);
            }
            finally
            {
                await page.CloseAsync();
            }
        }
    }

    [Fact]
    public async Task A_long_ensemble_fills_its_bands_in_as_it_computes_and_a_short_one_appears_at_once()
    {
        var page = await app.OpenAsync("1b");
        try
        {
            await page.SetViewportSizeAsync(1366, 768);
            // Every state the section goes through, and how many band paths it showed in each, as the page saw them.
            await page.EvaluateAsync("""
                () => {
                    window.ensembleStates = [];
                    const note = () => {
                        const section = document.querySelector('[data-testid=ensemble]');
                        if (!section) return;
                        const state = section.dataset.state;
                        const bands = section.querySelectorAll('.apexcharts-rangeArea-series path, .apexcharts-rangearea-series path').length;
                        const last = window.ensembleStates[window.ensembleStates.length - 1];
                        if (!last || last.state !== state || last.bands !== bands) window.ensembleStates.push({ state, bands, at: performance.now() });
                    };
                    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true });
                }
                """);
            // 120 seeds at 200 epochs: long enough to be seen filling in (at 100 it sometimes ended between two looks
            // once least squares ran in C#).
            await page.Locator("input[data-testid=epochs]").FillAsync("200");
            await page.Locator("input[data-testid=seeds]").FillAsync("120");
            await page.Locator("[data-testid=run-ensemble]").ClickAsync();
            var section = page.Locator("[data-testid=ensemble]");
            await Assertions.Expect(page.Locator("[data-testid=ensemble-progress]")).ToContainTextAsync("Computing 120 seeds ×", new() { Timeout = 10_000 });
            await Assertions.Expect(page.Locator("[data-testid=ensemble][data-state=partial]")).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await Assertions.Expect(section.Locator(Bands).First).ToBeAttachedAsync(new() { Timeout = 10_000 });
            await section.Locator("[data-testid=band-chart]").First.ScrollIntoViewIfNeededAsync();
            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, "ensemble-1b-filling-in-1366-light.png") });
            await Assertions.Expect(page.Locator("[data-testid=ensemble][data-state=completed]")).ToBeVisibleAsync(new() { Timeout = 120_000 });
            await Assertions.Expect(page.Locator("[data-testid=ensemble-status]")).ToContainTextAsync("× 120 seeds");
            var states = await page.EvaluateAsync<JsonElement>("() => window.ensembleStates");
            var partial = states.EnumerateArray().Where(s => s.GetProperty("state").GetString() == "partial").Select(s => s.GetProperty("bands").GetInt32()).ToArray();
            Assert.Contains(partial, b => b > 0);                     // bands while it computed…
            int final = await section.Locator(Bands).CountAsync();
            Assert.True(partial.Where(b => b > 0).Min() <= final, $"partial {string.Join(",", partial)} final {final}");
            // …and the group it was saved as.
            string id = (await section.GetAttributeAsync("data-ensemble-id"))!;
            await Assertions.Expect(page.Locator("[data-testid=ensemble-group]")).ToContainTextAsync(id);

            // 1c over 20 seeds takes a tenth of a second: it appears at once, never half drawn.
            var quick = await app.OpenAsync("1c");
            try
            {
                await quick.EvaluateAsync("() => { window.partialSeen = false; new MutationObserver(() => { if (document.querySelector('[data-testid=ensemble][data-state=partial]')) window.partialSeen = true; }).observe(document.body, { subtree: true, attributes: true, childList: true }); }");
                await quick.Locator("input[data-testid=seeds]").FillAsync("20");
                await quick.Locator("[data-testid=run-ensemble]").ClickAsync();
                await Assertions.Expect(quick.Locator("[data-testid=ensemble][data-state=completed]")).ToBeVisibleAsync(new() { Timeout = 30_000 });
                await Assertions.Expect(quick.Locator("[data-testid=ensemble] " + Bands.Split(", ")[0] + ", [data-testid=ensemble] " + Bands.Split(", ")[1]).First).ToBeAttachedAsync(new() { Timeout = 10_000 });
                Assert.False(await quick.EvaluateAsync<bool>("() => window.partialSeen"));
            }
            finally
            {
                await quick.CloseAsync();
            }
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    /// <summary>Waits until the locator finds at least <paramref name="count"/> elements (charts draw one after another).</summary>
    private static async Task AtLeastAsync(ILocator locator, int count, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        int found;
        while ((found = await locator.CountAsync()) < count)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{found} of {count} elements after {seconds} s.");
            await Task.Delay(200);
        }
    }

    private async Task SetThemeAsync(IPage page, bool dark)
    {
        await page.GotoAsync("runs");
        await DashboardFixture.WaitForInteractiveAsync(page);
        await page.EvaluateAsync($"localStorage.setItem('polyak-dashboard-theme', '{(dark ? "dark" : "light")}')");
    }
}

/// <summary>A viewer following the presenter sees the presenter's ensemble fill in, a late one what has been computed so far.</summary>
[Collection(KeyedDashboardCollection.Name)]
public sealed class FollowedEnsembleTests(KeyedDashboardFixture app)
{
    [Fact]
    public async Task Viewers_see_the_presenters_ensemble_as_it_computes_late_joiners_included()
    {
        var presence = app.Services.GetRequiredService<PresenterPresence>();
        presence.Show("/1b");
        var early = await app.OpenAsync("1b");
        IPage? late = null;
        try
        {
            // The presenter runs 1b over 200 seeds (what their page's button does): long enough for a late viewer to come
            // while it computes (120 seeds sometimes ended first once least squares ran in C#; 200 is the most the service takes).
            var ensembles = app.Services.GetRequiredService<EnsembleService>();
            var live = ensembles.Start("1b", new PolyakCore.Experiments.ExperimentOverrides(), new PolyakCore.Training.EnsembleSpec(200));
            var section = early.Locator($"[data-testid=ensemble][data-ensemble-id='{live.Id}']");
            await Assertions.Expect(section).ToBeVisibleAsync(new() { Timeout = 10_000 });
            Assert.Equal(0, await early.Locator("[data-testid=stop-ensemble]").CountAsync());     // not theirs to stop
            await Assertions.Expect(early.Locator("[data-testid=ensemble][data-state=partial]")).ToBeVisibleAsync(new() { Timeout = 30_000 });

            // Someone opens the page now: the bands so far at once, then the rest.
            Assert.False(live.IsFinished, "the ensemble ended before the late viewer came");
            late = await app.NewPageAsync();
            await late.SetViewportSizeAsync(1280, 720);                 // on a projector, in the dark theme
            await late.AddInitScriptAsync("localStorage.setItem('polyak-dashboard-theme', 'dark')");
            await late.GotoAsync("1b");
            await DashboardFixture.WaitForInteractiveAsync(late);
            await Assertions.Expect(late.Locator($"[data-testid=ensemble][data-ensemble-id='{live.Id}']")).ToBeVisibleAsync(new() { Timeout = 10_000 });
            var lateBands = late.Locator("[data-testid=ensemble] .apexcharts-rangeArea-series path, [data-testid=ensemble] .apexcharts-rangearea-series path");
            await Assertions.Expect(lateBands.First).ToBeAttachedAsync(new() { Timeout = 10_000 });
            Assert.False(live.IsFinished, "the ensemble ended before the late viewer saw its bands");
            // The progress bar re-renders with every batch (and goes when the ensemble ends): Playwright's
            // scroll waits for a stable element and can find it detached, so scroll from the page in one step.
            await late.EvaluateAsync("document.querySelector('[data-testid=ensemble-progress]')?.scrollIntoView({ block: 'nearest' })");
            await late.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, "ensemble-late-viewer-1280-dark.png") });

            await live.Completion;
            foreach (var page in new[] { early, late })
            {
                await Assertions.Expect(page.Locator("[data-testid=ensemble][data-state=completed]")).ToBeVisibleAsync(new() { Timeout = 15_000 });
                await Assertions.Expect(page.Locator("[data-testid=ensemble-status]")).ToContainTextAsync("× 200 seeds");
                await Assertions.Expect(page.Locator("[data-testid=ensemble-group]")).ToContainTextAsync($"The presenter's ensemble, saved as {live.Id}");
            }
        }
        finally
        {
            await early.CloseAsync();
            if (late is not null) await late.CloseAsync();
        }
    }
}
