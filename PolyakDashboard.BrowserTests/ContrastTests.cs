using Microsoft.Playwright;

namespace PolyakDashboard.BrowserTests;

/// <summary>Readable from the back of a room: chart text and filled buttons meet WCAG AA (4.5:1) in both themes.</summary>
[Collection(DashboardCollection.Name)]
public sealed class ContrastTests(DashboardFixture app)
{
    // WCAG relative luminance contrast of an element's text against the first opaque background behind it.
    private const string Measure = """
        ([selector, textProp]) => {
            const parse = c => (c.match(/[\d.]+/g) || []).map(Number);
            const lum = ([r, g, b]) => {
                const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
                return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
            };
            const background = el => {
                for (let e = el; e; e = e.parentElement) {
                    if (e instanceof SVGElement) continue;
                    const c = parse(getComputedStyle(e).backgroundColor);
                    if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3);
                }
                return [255, 255, 255];
            };
            return JSON.stringify([...document.querySelectorAll(selector)].filter(el => el.offsetParent !== null || el instanceof SVGElement).slice(0, 40).map(el => {
                const style = getComputedStyle(el);
                const fg = parse(style[textProp]);
                const bg = background(el);
                // A translucent text colour is blended over its background.
                const a = fg.length === 4 ? fg[3] : 1;
                const blended = [0, 1, 2].map(i => fg[i] * a + bg[i] * (1 - a));
                const [l1, l2] = [lum(blended), lum(bg)].sort((x, y) => y - x);
                return { text: (el.textContent || '').trim().slice(0, 20), size: parseFloat(style.fontSize), ratio: (l1 + 0.05) / (l2 + 0.05) };
            }));
        }
        """;

    private sealed record Sample(string Text, double Size, double Ratio);

    private static async Task<Sample[]> MeasureAsync(IPage page, string selector, string textProperty) =>
        System.Text.Json.JsonSerializer.Deserialize<Sample[]>(await page.EvaluateAsync<string>(Measure, new[] { selector, textProperty }),
            new System.Text.Json.JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;

    [Theory]
    [InlineData("light")]
    [InlineData("dark")]
    public async Task Chart_text_is_at_least_12px_and_it_and_filled_buttons_reach_4_5_to_1(string theme)
    {
        var page = await app.NewPageAsync();
        try
        {
            await page.GotoAsync("");
            await page.EvaluateAsync($"localStorage.setItem('polyak-dashboard-theme', '{theme}')");
            await page.GotoAsync("explorer");     // its race charts draw on arrival
            await DashboardFixture.WaitForInteractiveAsync(page);
            await Assertions.Expect(page.Locator("[data-testid=live-chart] .apexcharts-xaxis-label").First).ToBeVisibleAsync(new() { Timeout = 30_000 });

            foreach (var selector in new[] { ".apexcharts-xaxis-label", ".apexcharts-yaxis-label", ".apexcharts-xaxis-title-text", ".apexcharts-yaxis-title-text" })
            {
                var samples = await MeasureAsync(page, "[data-testid=live-chart] " + selector, "fill");
                Assert.NotEmpty(samples);
                foreach (var s in samples)
                {
                    Assert.True(s.Size >= 12, $"{theme}: {selector} '{s.Text}' is {s.Size} px");
                    Assert.True(s.Ratio >= 4.5, $"{theme}: {selector} '{s.Text}' has contrast {s.Ratio:0.00}:1");
                }
            }
            var buttons = await MeasureAsync(page, ".mud-button-filled.mud-button-filled-primary:not([disabled]) .mud-button-label", "color");
            Assert.NotEmpty(buttons);
            foreach (var b in buttons)
                Assert.True(b.Ratio >= 4.5, $"{theme}: filled button '{b.Text}' has contrast {b.Ratio:0.00}:1");
        }
        finally
        {
            await page.EvaluateAsync("localStorage.removeItem('polyak-dashboard-theme')");
            await page.CloseAsync();
        }
    }

    /// <summary>Opens <paramref name="path"/> in <paramref name="theme"/>.</summary>
    private async Task<IPage> OpenInThemeAsync(string path, string theme)
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync("");
        await page.EvaluateAsync($"localStorage.setItem('polyak-dashboard-theme', '{theme}')");
        await page.GotoAsync(path);
        await DashboardFixture.WaitForInteractiveAsync(page);
        return page;
    }

    private static void AssertReadable(Sample[] samples, string what, string theme)
    {
        Assert.NotEmpty(samples);
        foreach (var s in samples)
        {
            Assert.True(s.Size >= 12, $"{theme}: {what} '{s.Text}' is {s.Size} px");
            Assert.True(s.Ratio >= 4.5, $"{theme}: {what} '{s.Text}' has contrast {s.Ratio:0.00}:1");
        }
    }

    [Theory]
    [InlineData("light")]
    [InlineData("dark")]
    public async Task Legends_are_at_least_12px_and_4_5_to_1(string theme)
    {
        var page = await OpenInThemeAsync("explorer", theme);
        try
        {
            await Assertions.Expect(page.Locator("[data-testid=live-chart] .live-chart-legend-item").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await Assertions.Expect(page.Locator(".landscape-legend-item").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
            // A series switched off is faded on purpose (an inactive control); every shown one is measured.
            AssertReadable(await MeasureAsync(page, ".live-chart-legend-item:not(.off)", "color"), "chart legend", theme);
            AssertReadable(await MeasureAsync(page, ".landscape-legend-item, .landscape-legend-key", "color"), "landscape legend", theme);
        }
        finally
        {
            await page.EvaluateAsync("localStorage.removeItem('polyak-dashboard-theme')");
            await page.CloseAsync();
        }
    }

    [Theory]
    [InlineData("light")]
    [InlineData("dark")]
    public async Task What_to_look_for_is_4_5_to_1(string theme)
    {
        var page = await OpenInThemeAsync("1c", theme);
        try
        {
            var alert = page.Locator(".mud-alert").First;
            await Assertions.Expect(alert).ToContainTextAsync("What to look for");
            AssertReadable(await MeasureAsync(page, ".mud-alert .mud-alert-message, .mud-alert .mud-alert-message b, .mud-alert .mud-alert-message summary", "color"),
                "what to look for", theme);
        }
        finally
        {
            await page.EvaluateAsync("localStorage.removeItem('polyak-dashboard-theme')");
            await page.CloseAsync();
        }
    }

    [Theory]
    [InlineData("light")]
    [InlineData("dark")]
    public async Task Powers_of_ten_have_raised_exponents_of_readable_size(string theme)
    {
        var page = await OpenInThemeAsync("explorer", theme);    // its race charts have log y axes
        try
        {
            await Assertions.Expect(page.Locator("[data-testid=live-chart] .apexcharts-yaxis-label").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await page.WaitForTimeoutAsync(300);
            // Unicode's superscript digits draw at ~60 % of the label (7 px of 12): none left; each exponent a raised tspan.
            var unicode = await page.EvaluateAsync<string[]>(
                "() => [...document.querySelectorAll('[data-testid=live-chart] .apexcharts-yaxis-label tspan')].map(t => t.textContent).filter(t => /[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]/.test(t))");
            Assert.True(unicode.Length == 0, $"{theme}: labels with superscript characters: {string.Join(" ", unicode)}");
            // Raised at 85 % of a 12 px label: 10 px digits (the Unicode ones were ~7 px), as dark as the label.
            var exponents = await MeasureAsync(page, "[data-testid=live-chart] .axis-exponent", "fill");
            Assert.NotEmpty(exponents);
            foreach (var e in exponents)
            {
                Assert.True(e.Size >= 10, $"{theme}: exponent '{e.Text}' is {e.Size} px");
                Assert.True(e.Ratio >= 4.5, $"{theme}: exponent '{e.Text}' has contrast {e.Ratio:0.00}:1");
            }
        }
        finally
        {
            await page.EvaluateAsync("localStorage.removeItem('polyak-dashboard-theme')");
            await page.CloseAsync();
        }
    }
}
