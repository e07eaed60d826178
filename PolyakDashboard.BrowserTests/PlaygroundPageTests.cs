using System.Diagnostics;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace PolyakDashboard.BrowserTests;

[Collection(DashboardCollection.Name)]
public sealed class PlaygroundPageTests(DashboardFixture app, ITestOutputHelper log)
{
    private static readonly LocatorAssertionsToHaveAttributeOptions Slow = new() { Timeout = 60_000 };

    [Fact]
    public async Task A_link_to_a_checkpoint_that_is_gone_says_so_and_shows_the_best_one()
    {
        var page = await app.OpenAsync("playground?checkpoint=no-such-ckpt");
        try
        {
            await Assertions.Expect(page.Locator("[data-testid=missing-checkpoint]"))
                .ToContainTextAsync("There is no checkpoint 'no-such-ckpt'; showing small-adam instead.");
            await Assertions.Expect(page.Locator("[data-testid=checkpoint-info]")).ToHaveCountAsync(1);
        }
        finally { await page.CloseAsync(); }
    }

    [Fact]
    public async Task Generates_side_by_side_streams_stops_and_shows_top_candidates()
    {
        var page = await app.OpenAsync("playground");
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        try
        {
            // The three test checkpoints are listed and, being shipped sgd, polyak-sgd and adam, all selected: the report's
            // sample block side by side; drop SGD, two stay (side by side).
            var chips = page.Locator("[data-testid=checkpoint-chip]");
            await Assertions.Expect(chips).ToHaveCountAsync(3);
            await Assertions.Expect(page.Locator("[data-testid=checkpoint-info]")).ToHaveCountAsync(3);
            await chips.Filter(new() { HasText = "small-sgd" }).ClickAsync();
            var metadata = page.Locator("[data-testid=checkpoint-metadata]");
            await Assertions.Expect(metadata.Locator("[data-testid=checkpoint-info]")).ToHaveCountAsync(2);
            await Assertions.Expect(metadata).ToContainTextAsync("polyak-sgd");
            await Assertions.Expect(metadata.Locator("[data-testid=shipped]")).ToHaveCountAsync(2);

            // A long generation (4 × 2,000 characters per checkpoint) streams in: characters appear while it is still
            // running; Stop ends it where it is.
            await Fill(page, "max-new", "2000");
            await Fill(page, "samples", "4");
            var output = page.Locator("[data-testid=output]");
            var firstText = page.Locator("[data-testid=sample-text]").First;
            var clock = Stopwatch.StartNew();
            await page.Locator("[data-testid=generate]").ClickAsync();
            await page.WaitForFunctionAsync("() => Number(document.querySelector('[data-testid=sample-text]')?.dataset.chars ?? 0) > 0",
                null, new() { Timeout = 30_000, PollingInterval = 5 });
            double firstOnScreenMs = clock.Elapsed.TotalMilliseconds;
            await Assertions.Expect(output).ToHaveAttributeAsync("data-state", "running");
            var streaming = int.Parse((await firstText.GetAttributeAsync("data-chars"))!);
            Assert.InRange(streaming, 1, 1999);
            await Assertions.Expect(page.Locator("[data-testid=output-column]")).ToHaveCountAsync(2);
            await page.Locator("[data-testid=stop]").ClickAsync();
            await Assertions.Expect(output).ToHaveAttributeAsync("data-state", "stopped", Slow);
            await Assertions.Expect(page.Locator("[data-testid=generation-status]")).ToContainTextAsync("Stopped");
            Assert.True(await page.Locator("[data-testid=sample-text][data-finish=cancelled]").CountAsync() >= 1);
            log.WriteLine($"first character on screen {firstOnScreenMs:F0} ms after the click (Playwright polling included); " +
                await page.Locator("[data-testid=generation-status]").InnerTextAsync());

            // A short one with the per-character view: runs to the end; clicking a character shows its top five.
            await Fill(page, "max-new", "240");
            await Fill(page, "samples", "1");
            await page.Locator("[data-testid=per-character]").ClickAsync();
            await page.Locator("[data-testid=prompt] input, input[data-testid=prompt]").First.FillAsync("Mama ");
            await page.Locator("[data-testid=generate]").ClickAsync();
            await Assertions.Expect(output).ToHaveAttributeAsync("data-state", "done", Slow);
            var texts = page.Locator("[data-testid=sample-text]");
            await Assertions.Expect(texts).ToHaveCountAsync(2);
            for (int i = 0; i < 2; i++) await Assertions.Expect(texts.Nth(i)).ToHaveAttributeAsync("data-chars", "240");
            await Assertions.Expect(texts.First).ToContainTextAsync("Mama ");
            log.WriteLine(await page.Locator("[data-testid=generation-status]").InnerTextAsync());
            await texts.First.Locator("[data-testid=sample-char]").Nth(10).ClickAsync();
            var top = page.Locator("[data-testid=top-candidates]");
            await Assertions.Expect(top).ToContainTextAsync("Position 10");
            await Assertions.Expect(top.Locator(".mud-progress-linear")).ToHaveCountAsync(5);
            await page.Mouse.MoveAsync(5, 5);
            await page.EvaluateAsync("window.scrollTo(0, 0)");
            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, "playground.png"), FullPage = true });

            // Bad settings: said next to the controls, nothing runs.
            await Fill(page, "temperature", "0");
            await Assertions.Expect(page.Locator("[data-testid=settings-errors]")).ToContainTextAsync("Temperature must be a number above 0");
            await Fill(page, "temperature", "0.8");
            await page.Locator("[data-testid=prompt] input, input[data-testid=prompt]").First.FillAsync("Mama ~");
            await page.Locator("[data-testid=generate]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=settings-errors]")).ToContainTextAsync("does not know: '~'");

            // A corrupt upload is refused with the reason, and the list stays as it was.
            await page.Locator("[data-testid=upload] input[type=file], input[type=file]").First.SetInputFilesAsync(new FilePayload
            {
                Name = "broken.ckpt", MimeType = "application/octet-stream", Buffer = [.. Enumerable.Range(0, 4000).Select(i => (byte)(i * 13))],
            });
            await Assertions.Expect(page.Locator("[data-testid=upload-message]")).ToContainTextAsync("not a Polyak Dashboard checkpoint", new() { Timeout = 30_000 });
            await Assertions.Expect(chips).ToHaveCountAsync(3);
            await Assertions.Expect(page.Locator("[data-testid=upload-message]")).ToContainTextAsync("The upload 'broken'");
            await Assertions.Expect(texts).ToHaveCountAsync(2);           // the refused runs left the last result on screen
            await page.EvaluateAsync("window.scrollTo(0, 0)");
            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, "playground-errors.png"), FullPage = true });
            Assert.Empty(errors);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    /// <summary>Where an element is: its box against the viewport below the app bar, for assertions and messages.</summary>
    private const string Box = """
        el => {
            const r = el.getBoundingClientRect();
            const bar = document.querySelector('header.mud-appbar')?.getBoundingClientRect().bottom ?? 0;
            return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, bar, viewportWidth: innerWidth, viewportHeight: innerHeight };
        }
        """;

    private sealed record Rect(double Top, double Bottom, double Left, double Right, double Width, double Bar, double ViewportWidth, double ViewportHeight)
    {
        public bool InView => Top >= Bar && Bottom <= ViewportHeight && Left >= 0 && Right <= ViewportWidth;
        public override string ToString() => $"[{Left:F0}, {Top:F0}] – [{Right:F0}, {Bottom:F0}] in {ViewportWidth:F0}×{ViewportHeight:F0} below {Bar:F0}";
    }

    private static async Task<Rect> BoxOf(ILocator element) =>
        System.Text.Json.JsonSerializer.Deserialize<Rect>(System.Text.Json.JsonSerializer.Serialize(await element.EvaluateAsync(Box)),
            new System.Text.Json.JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;

    /// <summary>Width of 40 characters in a sample's own font: a line of child speech (two phrases, ~29 characters on
    /// average, up to ~60).</summary>
    private const string LineOfSpeechFits = """
        el => {
            const probe = document.createElement('span');
            probe.textContent = 'm'.repeat(40);
            probe.style.whiteSpace = 'pre';
            el.appendChild(probe);
            const needed = probe.getBoundingClientRect().width;
            probe.remove();
            const style = getComputedStyle(el);
            const inner = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
            return inner + 0.5 >= needed ? '' : `room for ${inner.toFixed(0)} px, a line needs ${needed.toFixed(0)} px`;
        }
        """;

    [Theory]
    [InlineData(1280, 720)]
    [InlineData(1366, 768)]
    public async Task With_three_checkpoints_Generate_the_output_and_the_top_five_stay_in_view(int width, int height)
    {
        var page = await app.NewPageAsync();
        await page.SetViewportSizeAsync(width, height);
        try
        {
            await page.GotoAsync("playground");
            await DashboardFixture.WaitForInteractiveAsync(page);
            await Assertions.Expect(page.Locator("[data-testid=checkpoint-info]")).ToHaveCountAsync(3);   // the default: all three
            await Fill(page, "max-new", "400");
            await page.Locator("[data-testid=per-character]").ClickAsync();

            // Generate and the top of the output on screen together, without scrolling.
            await page.EvaluateAsync("window.scrollTo(0, 0)");
            var generate = page.Locator("[data-testid=generate]");
            var output = page.Locator("[data-testid=output]");
            var button = await BoxOf(generate);
            Assert.True(button.InView, $"Generate at {button}");
            var outputTop = await BoxOf(output);
            Assert.True(outputTop.Top >= outputTop.Bar && outputTop.Top <= height - 200, $"the output at {outputTop}: less than 200 px of it in view");

            await generate.ClickAsync();
            await Assertions.Expect(output).ToHaveAttributeAsync("data-state", "done", Slow);
            var texts = page.Locator("[data-testid=sample-text]");
            await Assertions.Expect(texts).ToHaveCountAsync(3);
            Assert.True((await BoxOf(texts.First)).Top <= height - 100, "the first sample starts below the fold");

            // Every column holds a line of child speech.
            for (int i = 0; i < 3; i++)
                Assert.Equal("", await texts.Nth(i).EvaluateAsync<string>(LineOfSpeechFits));

            // The top five of a character near the top: next to it, inside the viewport.
            var character = texts.First.Locator("[data-testid=sample-char]").Nth(5);
            await character.ClickAsync();
            var top = page.Locator("[data-testid=top-candidates]");
            await Assertions.Expect(top).ToContainTextAsync("Position 5");
            var panel = await BoxOf(top);
            var at = await BoxOf(character);
            Assert.True(panel.InView, $"top five at {panel}");
            Assert.True(Math.Abs(panel.Top - at.Bottom) < 40 || Math.Abs(at.Top - panel.Bottom) < 40,
                $"top five at {panel}, the character at {at}: not next to it");
            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, $"playground-three-{width}x{height}.png") });

            // A character further down the first sample, scrolled to the bottom of the viewport: the panel still fits.
            var low = texts.First.Locator("[data-testid=sample-char]").Nth(300);
            await low.EvaluateAsync("el => { const r = el.getBoundingClientRect(); window.scrollBy(0, r.bottom - innerHeight + 10); }");
            await low.ClickAsync();
            await Assertions.Expect(top).ToContainTextAsync("Position 300");
            panel = await BoxOf(top);
            Assert.True(panel.InView, $"top five of a character at the bottom at {panel}");
            await page.Locator("[data-testid=close-top-candidates]").ClickAsync();
            await Assertions.Expect(top).ToHaveCountAsync(0);
        }
        finally { await page.CloseAsync(); }
    }

    private static async Task Fill(IPage page, string testId, string value)
    {
        var input = page.Locator($"input[data-testid={testId}]");
        await input.FillAsync(value);
        await input.PressAsync("Tab");
    }
}
