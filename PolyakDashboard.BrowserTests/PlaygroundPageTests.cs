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
            // Both test checkpoints are listed; the one with the lower validation loss (small-adam) is selected, with its
            // metadata; add the other (side by side).
            var chips = page.Locator("[data-testid=checkpoint-chip]");
            await Assertions.Expect(chips).ToHaveCountAsync(2);
            await Assertions.Expect(page.Locator("[data-testid=checkpoint-info]")).ToHaveCountAsync(1);
            await chips.Filter(new() { HasText = "small-polyak-sgd" }).ClickAsync();
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
            await Assertions.Expect(chips).ToHaveCountAsync(2);
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

    private static async Task Fill(IPage page, string testId, string value)
    {
        var input = page.Locator($"input[data-testid={testId}]");
        await input.FillAsync(value);
        await input.PressAsync("Tab");
    }
}
