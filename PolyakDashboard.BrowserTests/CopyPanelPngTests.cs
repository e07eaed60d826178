using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PolyakDashboard.Runs;

namespace PolyakDashboard.BrowserTests;

/// <summary>Issue 18, slides: "Copy panel as PNG" puts the chart (a live chart, a landscape) with its title and legend at 2× on the clipboard, and
/// downloads the same PNG where the clipboard is refused.</summary>
[Collection(DashboardCollection.Name)]
public sealed class CopyPanelPngTests(DashboardFixture app)
{
    private const string ReadClipboard = """
        async () => {
            const items = await navigator.clipboard.read();
            const item = items.find(i => i.types.includes('image/png'));
            if (!item) return JSON.stringify({ types: items.flatMap(i => i.types) });
            const bitmap = await createImageBitmap(await item.getType('image/png'));
            return JSON.stringify({ width: bitmap.width, height: bitmap.height });
        }
        """;

    // The panel on screen: the plot's SVG (what ApexCharts exports) and the toolbar above it.
    private const string Sizes = """
        el => {
            const svg = el.querySelector('svg.apexcharts-svg').getBoundingClientRect();
            return JSON.stringify({ width: svg.width, height: svg.height });
        }
        """;

    [Fact]
    public async Task The_panel_lands_on_the_clipboard_at_twice_its_size_with_its_title_and_legend_or_downloads()
    {
        var runs = app.Services.GetRequiredService<RunService>();
        var page = await app.OpenAsync("1a");
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new() { Origin = app.BaseUrl.TrimEnd('/') });
        try
        {
            string? before = runs.LatestLaunch("1a").FirstOrDefault()?.LaunchId;
            await page.Locator("input[data-testid=epochs]").FillAsync("3");
            await page.Locator("[data-testid=run]").ClickAsync();
            await page.WaitForFunctionAsync("b => { const s = document.querySelector('[data-testid=status]'); return s && s.dataset.launch !== b && s.textContent.startsWith('finished'); }",
                before, new() { Timeout = 60_000 });
            var chart = page.Locator("[data-testid=live-chart]").First;
            await chart.Locator("svg.apexcharts-svg").WaitForAsync();
            await page.BringToFrontAsync();                   // the clipboard wants a focused page

            await chart.Locator("[data-testid=copy-png]").ClickAsync();
            await Assertions.Expect(chart).ToHaveAttributeAsync("data-copied", new System.Text.RegularExpressions.Regex("copied"), new() { Timeout = 15_000 });
            await Assertions.Expect(chart.Locator("[data-copy-status]")).ToHaveTextAsync("Copied as PNG");
            var onScreen = JsonDocument.Parse(await chart.EvaluateAsync<string>(Sizes)).RootElement;
            double w = onScreen.GetProperty("width").GetDouble(), h = onScreen.GetProperty("height").GetDouble();
            var pasted = JsonDocument.Parse(await page.EvaluateAsync<string>(ReadClipboard)).RootElement;
            Assert.True(pasted.TryGetProperty("width", out var pw), "no image/png on the clipboard: " + pasted);
            // The chart at 2×, and above it the title and the legend (at least one row of each at 2×).
            Assert.InRange(pw.GetInt32(), 2 * w - 2, 2 * w + 2);
            Assert.InRange(pasted.GetProperty("height").GetInt32(), 2 * h + 2 * 30, 2 * h + 2 * 120);

            // Refused (no clipboard for this page): the same PNG downloads instead.
            await page.EvaluateAsync("() => { navigator.clipboard.write = () => Promise.reject(new DOMException('refused', 'NotAllowedError')); }");
            var download = await page.RunAndWaitForDownloadAsync(() => chart.Locator("[data-testid=copy-png]").ClickAsync());
            Assert.Equal("1a-loss.png", download.SuggestedFilename);
            string file = Path.Combine(app.ScreenshotDir, "copied-panel-1a-loss.png");
            await download.SaveAsAsync(file);
            var png = await File.ReadAllBytesAsync(file);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
            int width = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16));
            Assert.InRange(width, 2 * w - 2, 2 * w + 2);
            await Assertions.Expect(chart.Locator("[data-copy-status]")).ToHaveTextAsync("Saved as PNG");
        }
        finally
        {
            await page.Context.ClearPermissionsAsync();
            await page.CloseAsync();
        }
    }

    /// <summary>Dark pixels (text, lines) in the bottom eighth of a PNG (the landscape's x labels and title), and whether
    /// its top-left corner is white: read in the page from the file's bytes.</summary>
    private const string Pixels = """
        async (base64) => {
            const bytes = Uint8Array.from(atob(base64), c => c.charCodeAt(0));   // not fetch(data:…): the CSP's connect-src refuses it
            const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
            const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
            const g = canvas.getContext('2d');
            g.drawImage(bitmap, 0, 0);
            const top = Math.floor(bitmap.height * 7 / 8);
            const strip = g.getImageData(0, top, bitmap.width, bitmap.height - top).data;
            let dark = 0;
            for (let i = 0; i < strip.length; i += 4) if (strip[i] < 90 && strip[i + 1] < 90 && strip[i + 2] < 90) dark++;
            const corner = g.getImageData(1, 1, 1, 1).data;
            return JSON.stringify({ dark, white: corner[0] > 250 && corner[1] > 250 && corner[2] > 250 });
        }
        """;

    [Fact]
    public async Task A_landscape_copies_at_twice_its_size_with_its_legend_dark_on_white_in_the_dark_theme()
    {
        var page = await app.OpenInThemeAsync("explorer", "dark");
        try
        {
            var landscape = page.Locator("[data-testid=landscape]").First;
            var svg = landscape.Locator("[data-plot] svg");
            await svg.WaitForAsync(new() { Timeout = 30_000 });
            await landscape.ScrollIntoViewIfNeededAsync();
            var onScreen = (await svg.BoundingBoxAsync())!;
            await page.EvaluateAsync("() => { navigator.clipboard.write = () => Promise.reject(new DOMException('refused', 'NotAllowedError')); }");
            var download = await page.RunAndWaitForDownloadAsync(() => landscape.Locator("[data-testid=copy-png]").ClickAsync());
            Assert.Equal("landscape.png", download.SuggestedFilename);
            string file = Path.Combine(app.ScreenshotDir, "copied-panel-explorer-landscape-dark.png");
            await download.SaveAsAsync(file);
            await Assertions.Expect(landscape.Locator("[data-copy-status]")).ToHaveTextAsync("Saved as PNG");
            var png = await File.ReadAllBytesAsync(file);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
            int width = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16));
            int height = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20));
            Assert.InRange(width, 2 * onScreen.Width - 2, 2 * onScreen.Width + 2);
            // Above the plot, the legend of the race's paths (at least one row at 2×).
            Assert.InRange(height, 2 * onScreen.Height + 2 * 15, 2 * onScreen.Height + 2 * 120);
            // The theme's light axis text would vanish on the white of a slide: it is drawn dark.
            var pixels = JsonDocument.Parse(await page.EvaluateAsync<string>(Pixels, Convert.ToBase64String(png))).RootElement;
            Assert.True(pixels.GetProperty("white").GetBoolean(), "the PNG's background is not white");
            Assert.True(pixels.GetProperty("dark").GetInt32() > 200, $"only {pixels.GetProperty("dark").GetInt32()} dark pixels in the x labels' strip");
        }
        finally { await page.CloseAsync(); }
    }
}
