using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PolyakDashboard.Lecture;
using PolyakDashboard.Runs;
using Xunit.Abstractions;

namespace PolyakDashboard.BrowserTests;

/// <summary>Issue 18, presentation mode: on every page, in both themes, at a 1280×720 projector: no drawer, no horizontal
/// scrollbar (the page's or a table's), body text ≥ 20 px, chart axis labels and legends ≥ 18 px, series ≥ 3 px, and nothing of a chart (title,
/// legend, axis labels) cut off or overlapping. Screenshots: presentation-{page}-{theme}.png.</summary>
[Collection(DashboardCollection.Name)]
public sealed class PresentationModeTests(DashboardFixture app, ITestOutputHelper log)
{
    public static TheoryData<string, string> PagesAndThemes()
    {
        var data = new TheoryData<string, string>();
        foreach (var theme in new[] { "light", "dark" })
            foreach (var path in new[] { "1c", "1a", "1b", "1d", "1e", "explorer", "playground", "constraints", "runs" }) data.Add(path, theme);
        return data;
    }

    [Theory]
    [MemberData(nameof(PagesAndThemes))]
    public async Task At_1280x720_every_page_is_legible_and_nothing_is_cut_off_or_overlaps(string path, string theme)
    {
        var page = await app.NewPageAsync();
        await page.SetViewportSizeAsync(1280, 720);
        await page.EmulateMediaAsync(new() { ColorScheme = theme == "dark" ? ColorScheme.Dark : ColorScheme.Light });
        try
        {
            await page.GotoAsync(path + "?present=1");
            await DashboardFixture.WaitForInteractiveAsync(page);
            await Assertions.Expect(page.Locator("html.presentation")).ToHaveCountAsync(1);
            if (path == "1c")
            {
                // Live charts with data: a short grid, to its end (the charts redraw at presentation sizes as it streams).
                var runs = app.Services.GetRequiredService<RunService>();
                string? before = runs.LatestLaunch("1c").FirstOrDefault()?.LaunchId;
                await page.Locator("input[data-testid=epochs]").FillAsync("2");
                await page.Locator("[data-testid=run]").ClickAsync();
                await page.WaitForFunctionAsync("b => { const s = document.querySelector('[data-testid=status]'); return s && s.dataset.launch !== b && s.textContent.startsWith('finished'); }",
                    before, new() { Timeout = 60_000 });
            }
            if (path == "runs")
            {
                // Rows to lay out: a short launch, finished, if no other test left one.
                var runs = app.Services.GetRequiredService<RunService>();
                if (runs.List().Count == 0)
                {
                    var started = runs.StartExperiment("1a", new PolyakCore.Experiments.ExperimentOverrides { Epochs = 1 });
                    var until = DateTime.UtcNow.AddSeconds(60);
                    while (started.Runs.Any(r => !r.IsFinished) && DateTime.UtcNow < until) await Task.Delay(100);
                    await page.ReloadAsync();
                    await DashboardFixture.WaitForInteractiveAsync(page);
                }
                await page.Locator("[data-testid=run-name]").First.WaitForAsync(new() { Timeout = 15_000 });
            }
            if (path == "explorer")
            {
                await page.Locator("[data-testid=live-chart] svg").First.WaitForAsync(new() { Timeout = 30_000 });
                await page.Locator("[data-testid=landscape] [data-plot] svg").First.WaitForAsync(new() { Timeout = 30_000 });
            }
            await page.Locator("[data-testid=settings-summary], h1").First.ScrollIntoViewIfNeededAsync();
            await page.WaitForTimeoutAsync(600);     // the charts' redraws at the presentation sizes
            if (path is "1c" or "explorer")
            {
                // Charts out of view are paused: in view, the first draws (on 2 loaded cores that can take a while).
                await page.Locator("[data-testid=live-chart]").First.ScrollIntoViewIfNeededAsync();
                await page.Locator("[data-testid=live-chart] svg.apexcharts-svg").First.WaitForAsync(new() { Timeout = 30_000 });
            }
            await page.WaitForTimeoutAsync(500);
            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, $"presentation-{path}-{theme}.png") });

            var report = JsonSerializer.Deserialize<Layout>(await page.EvaluateAsync<string>(Check), Json)!;
            log.WriteLine($"/{path} ({theme}): {report.Charts} charts with data, body text ≥ {report.MinBodyPx} px, axis labels ≥ {report.MinAxisPx} px, " +
                $"legends ≥ {report.MinLegendPx} px, lines ≥ {report.MinStrokePx} px; {report.Landscapes} landscapes, their labels ≥ {report.MinLandscapePx} px");
            Assert.True(report.Problems.Length == 0, $"/{path} ({theme}):\n" + string.Join("\n", report.Problems.Take(20)));
            Assert.False(report.DrawerShown, "the navigation drawer is shown");
            Assert.True(report.ScrollWidth <= report.ViewportWidth, $"horizontal scrollbar: {report.ScrollWidth} px of content in {report.ViewportWidth}");
            Assert.True(report.MinBodyPx >= 20, $"body text of {report.MinBodyPx} px");
            if (path is "1c" or "explorer")
            {
                Assert.True(report.Charts > 0, "no chart with data to check");
                Assert.True(report.MinAxisPx >= 18, $"axis labels of {report.MinAxisPx} px");
                Assert.True(report.MinLegendPx >= 18, $"legend text of {report.MinLegendPx} px");
                Assert.True(report.MinStrokePx >= 3, $"series lines of {report.MinStrokePx} px");
            }
            if (path == "explorer") Assert.True(report.Landscapes > 0, "no landscape drawn");
            if (report.Landscapes > 0) Assert.True(report.MinLandscapePx >= 18, $"landscape axis labels of {report.MinLandscapePx} px");
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task The_toggle_the_P_key_and_the_query_turn_it_on_and_off_and_it_stays_on_across_pages()
    {
        var page = await app.OpenAsync("1a");
        try
        {
            var html = page.Locator("html.presentation");
            var drawer = page.Locator("[data-testid=nav-drawer]");
            await Assertions.Expect(html).ToHaveCountAsync(0);
            await Assertions.Expect(drawer).ToBeVisibleAsync();
            await page.Locator("[data-testid=present-toggle]").ClickAsync();
            await Assertions.Expect(html).ToHaveCountAsync(1);
            await Assertions.Expect(drawer).Not.ToBeInViewportAsync();
            await Assertions.Expect(page.Locator("[data-testid=present-toggle]")).ToHaveAttributeAsync("aria-pressed", "true");
            // Another page of the app: still on (the layout keeps it; the URL need not say so).
            await page.EvaluateAsync("() => Blazor.navigateTo('/runs')");
            await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("Runs");
            await Assertions.Expect(html).ToHaveCountAsync(1);
            await page.Locator("h1").ClickAsync();                  // focus on the page, not in a field
            await page.Keyboard.PressAsync("p");
            await Assertions.Expect(html).ToHaveCountAsync(0);
            await page.Keyboard.PressAsync("p");
            await Assertions.Expect(html).ToHaveCountAsync(1);
            // Typing a p in a field is typing.
            var search = page.Locator("input").First;
            await search.FocusAsync();
            await page.Keyboard.TypeAsync("pp");
            await Assertions.Expect(html).ToHaveCountAsync(1);
            // ?present=0 turns it off.
            await page.GotoAsync("explorer?present=0");
            await DashboardFixture.WaitForInteractiveAsync(page);
            await Assertions.Expect(html).ToHaveCountAsync(0);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    private sealed record Layout(string[] Problems, bool DrawerShown, int ScrollWidth, int ViewportWidth, double MinBodyPx,
        double MinAxisPx, double MinLegendPx, double MinStrokePx, int Charts, double MinLandscapePx, int Landscapes);

    /// <summary>Measures the page as it is on screen (see the class summary); boxes compared with 1 px of slack.</summary>
    private const string Check = """
        () => {
            const problems = [];
            const shown = el => el.checkVisibility() && el.getBoundingClientRect().width > 0;
            const px = el => parseFloat(getComputedStyle(el).fontSize);
            const box = el => el.getBoundingClientRect();
            const inside = (a, b) => a.left >= b.left - 1 && a.right <= b.right + 1 && a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
            const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
            const name = el => (el.className?.baseVal ?? el.className ?? el.tagName).toString().split(' ')[0] + ' "' + el.textContent.trim().slice(0, 20) + '"';
            const main = document.querySelector('main');
            const body = [...main.querySelectorAll('.mud-typography-body1, .mud-typography-body2, p, li, td')]
                .filter(el => shown(el) && el.textContent.trim() && !el.closest('[data-testid=live-chart] .live-chart-plot, .band-chart-plot, svg, .apexcharts-canvas'));
            const minBody = Math.min(...body.map(px));
            for (const el of body.filter(el => px(el) < 20).slice(0, 5)) problems.push(`body text of ${px(el)} px: ${name(el)} in ${el.parentElement?.className}`);
            let minAxis = Infinity, minLegend = Infinity, minStroke = Infinity, charts = 0;
            for (const chart of main.querySelectorAll('[data-testid=live-chart]')) {
                const svg = chart.querySelector('svg.apexcharts-svg');
                if (!svg || !shown(chart)) continue;
                charts++;
                const area = box(chart);
                const title = chart.querySelector('.live-chart-title');
                const legend = [...chart.querySelectorAll('.live-chart-legend-item')].filter(shown);
                const actions = chart.querySelector('.live-chart-actions');
                const labels = [...svg.querySelectorAll('.apexcharts-xaxis-label, .apexcharts-yaxis-label, .apexcharts-xaxis-title-text, .apexcharts-yaxis-title-text')]
                    .filter(t => t.textContent.trim() && shown(t));
                for (const el of [title, ...legend, ...labels].filter(Boolean))
                    if (!inside(box(el), area)) problems.push(`${name(el)} cut off: ${JSON.stringify(box(el))} outside the chart ${JSON.stringify(area)}`);
                const toolbar = [title, ...legend, actions].filter(Boolean);
                for (let i = 0; i < toolbar.length; i++)
                    for (let j = i + 1; j < toolbar.length; j++)
                        if (overlap(box(toolbar[i]), box(toolbar[j]))) problems.push(`${name(toolbar[i])} overlaps ${name(toolbar[j])}`);
                for (const axis of ['.apexcharts-xaxis-label', '.apexcharts-yaxis-label']) {
                    const ls = labels.filter(t => t.matches(axis));
                    for (let i = 0; i < ls.length; i++)
                        for (let j = i + 1; j < ls.length; j++)
                            if (overlap(box(ls[i]), box(ls[j]))) problems.push(`${name(ls[i])} overlaps ${name(ls[j])}`);
                }
                const plot = box(chart.querySelector('[data-plot]'));
                for (const t of labels) if (overlap(box(t), box(chart.querySelector('.live-chart-toolbar')))) problems.push(`${name(t)} under the toolbar`);
                for (const t of labels) if (!inside(box(t), plot)) problems.push(`${name(t)} outside its plot`);
                minAxis = Math.min(minAxis, ...labels.map(px));
                minLegend = Math.min(minLegend, ...legend.map(px));
                const lines = [...svg.querySelectorAll('.apexcharts-series path.apexcharts-line')];
                minStroke = Math.min(minStroke, ...lines.map(l => parseFloat(getComputedStyle(l).strokeWidth)));
            }
            // Landscapes (d3 contours): their tick labels and axis titles at the same size, and a copy button each.
            let minLandscape = Infinity, landscapes = 0;
            for (const l of main.querySelectorAll('[data-testid=landscape]')) {
                const svg = l.querySelector('[data-plot] svg');
                if (!svg || !shown(l)) continue;
                landscapes++;
                minLandscape = Math.min(minLandscape, ...[...svg.querySelectorAll('.tick-label, .axis-title')].filter(t => t.textContent.trim()).map(px));
                if (!l.querySelector('[data-testid=copy-png]')) problems.push('a landscape without "Copy panel as PNG"');
            }
            // No part of the page scrolls sideways either (a wide table in its own scrolling box).
            for (const el of main.querySelectorAll('*')) {
                if (!/auto|scroll/.test(getComputedStyle(el).overflowX) || el.scrollWidth <= el.clientWidth + 1 || !shown(el)) continue;
                problems.push(`${name(el)} scrolls sideways: ${el.scrollWidth} px of content in ${el.clientWidth}`);
            }
            const drawer = document.querySelector('[data-testid=nav-drawer]');
            const d = drawer ? box(drawer) : null;
            return JSON.stringify({
                problems, drawerShown: !!d && d.width > 0 && d.right > 0 && shown(drawer),
                scrollWidth: document.documentElement.scrollWidth, viewportWidth: document.documentElement.clientWidth,
                minBodyPx: minBody, minAxisPx: minAxis === Infinity ? 0 : minAxis, minLegendPx: minLegend === Infinity ? 0 : minLegend,
                minStrokePx: minStroke === Infinity ? 0 : minStroke, charts,
                minLandscapePx: minLandscape === Infinity ? 0 : minLandscape, landscapes,
            });
        }
        """;
}
