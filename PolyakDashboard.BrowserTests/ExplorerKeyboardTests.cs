using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using PolyakCore.Explorer;
using PolyakCore.Optimization;

namespace PolyakDashboard.BrowserTests;

/// <summary>Issue 20.6 and 20.8 on the explorer: the start without a mouse (typed, or arrow keys on the landscape), the
/// chips and the escape map by keyboard, and the escape map in the shareable URL.</summary>
[Collection(DashboardCollection.Name)]
public sealed class ExplorerKeyboardTests(DashboardFixture app)
{
    private static readonly string[] TwoRacers = [OptimizerCatalog.Sgd, OptimizerCatalog.PolyakSgd];

    private static string Show(double v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>The lanes table says what the server computed from <paramref name="settings"/>: each optimizer's well and
    /// final loss of a race run here from the same settings.</summary>
    private static async Task ExpectRaceFromAsync(IPage page, RaceSettings settings)
    {
        var expected = TwoWellRace.Run(settings);
        var rows = page.Locator("[data-testid=lanes] tr");
        await Assertions.Expect(rows).ToHaveCountAsync(expected.Lanes.Count, new() { Timeout = 10_000 });
        foreach (var lane in expected.Lanes)
            await Assertions.Expect(rows.Filter(new() { HasText = lane.Optimizer + " " }).First)
                .ToContainTextAsync($"loss {lane.FinalLoss.ToString("G3", CultureInfo.InvariantCulture)}", new() { Timeout = 10_000 });
    }

    [Fact]
    public async Task Typed_start_coordinates_move_the_start_as_a_click_does_and_a_start_off_the_plot_is_named_under_its_field()
    {
        var page = await app.OpenAsync("explorer?opt=sgd,polyak-sgd");
        try
        {
            var cost = page.Locator("[data-testid=race-cost]");
            await Assertions.Expect(cost).ToContainTextAsync("Start (3, 3)");
            await page.Locator("input[data-testid=start-x]").FillAsync("-2");
            await Assertions.Expect(cost).ToContainTextAsync("Start (-2, 3)", new() { Timeout = 10_000 });
            await page.Locator("input[data-testid=start-y]").FillAsync("-6.5");
            await Assertions.Expect(cost).ToContainTextAsync("Start (-2, -6.5)", new() { Timeout = 10_000 });
            await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"explorer\?x=-2&y=-6\.5&opt="));
            await ExpectRaceFromAsync(page, new RaceSettings { StartX = -2, StartY = -6.5, Optimizers = TwoRacers });

            // Off the plot: the message under x0, both fields outlined red; nothing reruns and the URL keeps the last good start.
            await page.Locator("input[data-testid=start-x]").FillAsync("99");
            var xField = page.Locator(".mud-input-control", new() { Has = page.Locator("input[data-testid=start-x]") });
            await Assertions.Expect(xField.Locator(".mud-input-helper-text.mud-input-error")).ToContainTextAsync("Pick a start inside the plot");
            await Assertions.Expect(page.Locator(".mud-input-control", new() { Has = page.Locator("input[data-testid=start-y]") }).Locator(".mud-input-error").First)
                .ToBeVisibleAsync();
            await Assertions.Expect(cost).ToContainTextAsync("Start (-2, -6.5)");
            Assert.Contains("x=-2&", page.Url);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task Arrow_keys_on_the_focused_landscape_move_the_start_and_the_race_reruns_from_there()
    {
        var page = await app.OpenAsync("explorer?opt=sgd,polyak-sgd");
        try
        {
            var cost = page.Locator("[data-testid=race-cost]");
            await Assertions.Expect(cost).ToContainTextAsync("Start (3, 3)");
            await page.Locator("[data-testid=landscape] svg path").First.WaitForAsync(new() { Timeout = 15_000 });
            await DashboardFixture.TabToAsync(page, "[data-testid=landscape] [data-plot]");
            Assert.Contains("arrow keys", await page.Locator("[data-testid=landscape] [data-plot]").GetAttributeAsync("aria-label"));

            // A step is 1/40 of the plotted range, Shift five of them; each press reruns the race from the new start.
            var (xRange, yRange) = new RaceSettings().PlotRange;
            double x = Math.Round(3 + (xRange.Max - xRange.Min) / 40, 2);
            await page.Keyboard.PressAsync("ArrowRight");
            await Assertions.Expect(cost).ToContainTextAsync($"Start ({Show(x)}, 3)", new() { Timeout = 10_000 });
            double y = Math.Round(3 - 5 * (yRange.Max - yRange.Min) / 40, 2);
            await page.Keyboard.PressAsync("Shift+ArrowDown");
            await Assertions.Expect(cost).ToContainTextAsync($"Start ({Show(x)}, {Show(y)})", new() { Timeout = 10_000 });
            await Assertions.Expect(page).ToHaveURLAsync(new Regex($@"explorer\?x={Regex.Escape(Show(x))}&y={Regex.Escape(Show(y))}&"));
            await Assertions.Expect(page.Locator("input[data-testid=start-x]")).ToHaveValueAsync(Show(x));
            await Assertions.Expect(page.Locator("input[data-testid=start-y]")).ToHaveValueAsync(Show(y));
            await ExpectRaceFromAsync(page, new RaceSettings { StartX = x, StartY = y, Optimizers = TwoRacers });
            // The keys did not scroll the page, and the landscape keeps the focus for the next press.
            Assert.Equal(0, await page.EvaluateAsync<double>("() => window.scrollY"));
            Assert.True(await page.EvaluateAsync<bool>("() => document.activeElement.matches('[data-plot]')"));
            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, "explorer-keyboard-start.png") });
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task An_optimizer_chip_toggles_with_space_and_enter()
    {
        var page = await app.OpenAsync("explorer");
        try
        {
            var lanes = page.Locator("[data-testid=lanes] tr");
            await Assertions.Expect(lanes).ToHaveCountAsync(6);
            await DashboardFixture.TabToAsync(page, ".mud-chip");
            string name = (await page.EvaluateAsync<string>("() => document.activeElement.textContent")).Trim();
            await page.Keyboard.PressAsync("Space");
            await Assertions.Expect(lanes).ToHaveCountAsync(5);
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("opt="));
            Assert.DoesNotContain(name, Uri.UnescapeDataString(page.Url.Split("opt=")[1].Split('&')[0]).Split(','));
            await page.Keyboard.PressAsync("Enter");
            await Assertions.Expect(lanes).ToHaveCountAsync(6);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task The_escape_map_goes_into_the_url_and_the_url_draws_it_again()
    {
        // Full-batch SGD below the stability edge; a 20 × 20 grid over 5 orders, chosen in the URL.
        var page = await app.OpenAsync("explorer?batch=25&lr=0.04&opt=sgd,polyak-sgd&grid=20&orders=5");
        IPage? student = null;
        try
        {
            await Assertions.Expect(page.Locator("[data-testid=map-grid]")).ToContainTextAsync("20 × 20");
            await Assertions.Expect(page.Locator("[data-testid=map-seeds]")).ToContainTextAsync("5");
            await page.Locator("[data-testid=landscape] svg path").First.WaitForAsync(new() { Timeout = 15_000 });

            // Compute by keyboard (Tab, Enter): the URL then says the map is shown, with its grid and orders.
            await DashboardFixture.TabToAsync(page, "[data-testid=escape-map]");
            await page.Keyboard.PressAsync("Enter");
            var mapCost = page.Locator("[data-testid=map-cost]");
            await Assertions.Expect(mapCost).ToContainTextAsync("2,000 runs", new() { Timeout = 60_000 });
            await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"&map=1&grid=20&orders=5$"));
            var cells = page.Locator("[data-testid=landscape] path.overlay-cells");
            await Assertions.Expect(cells.First).ToBeAttachedAsync();
            var fills = await cells.EvaluateAllAsync<string[]>("paths => paths.map(p => p.getAttribute('fill') + ' ' + p.getAttribute('d').length)");
            string caption = await mapCost.InnerTextAsync();

            // A student opens the link: the same map, drawn without pressing anything (from the server's cache: the same cost line).
            student = await app.OpenAsync(page.Url.Replace(app.BaseUrl, ""));
            await Assertions.Expect(student.Locator("[data-testid=map-cost]")).ToHaveTextAsync(caption, new() { Timeout = 30_000 });
            var studentCells = student.Locator("[data-testid=landscape] path.overlay-cells");
            await Assertions.Expect(studentCells.First).ToBeAttachedAsync();
            Assert.Equal(fills, await studentCells.EvaluateAllAsync<string[]>("paths => paths.map(p => p.getAttribute('fill') + ' ' + p.getAttribute('d').length)"));
            await Assertions.Expect(student.Locator("[data-testid=map-grid]")).ToContainTextAsync("20 × 20");
            await student.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, "explorer-map-from-url.png") });

            // Moving the start keeps the map (it does not depend on the start); a setting it depends on takes it away, URL too.
            await DashboardFixture.TabToAsync(student, "[data-testid=landscape] [data-plot]");
            await student.Keyboard.PressAsync("ArrowLeft");
            await Assertions.Expect(student).ToHaveURLAsync(new Regex(@"\?x=[0-9.]+&.*map=1"));
            await Assertions.Expect(studentCells.First).ToBeAttachedAsync();
            await student.Locator("input[data-testid=batch]").FillAsync("24");
            await student.Locator("input[data-testid=batch]").PressAsync("Tab");
            await Assertions.Expect(studentCells).ToHaveCountAsync(0, new() { Timeout = 10_000 });
            await Assertions.Expect(student.Locator("[data-testid=map-cost]")).ToHaveCountAsync(0);
            await Assertions.Expect(student).ToHaveURLAsync(new Regex(@"batch=24"));
            Assert.DoesNotContain("map=1", student.Url);

            // Clear by keyboard (Space): the map and map=1 go.
            await DashboardFixture.TabToAsync(page, "[data-testid=clear-map]");
            await page.Keyboard.PressAsync("Space");
            await Assertions.Expect(cells).ToHaveCountAsync(0, new() { Timeout = 10_000 });
            await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"&grid=20&orders=5$"));
        }
        finally
        {
            if (student is not null) await student.CloseAsync();
            await page.CloseAsync();
        }
    }
}
