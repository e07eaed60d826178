using Microsoft.Playwright;

namespace PolyakDashboard.BrowserTests;

/// <summary>A bad setting gets its own red message under its field, not only a line in the page's summary,
/// and keeps it while the value stays bad (MudBlazor's own validation on change and blur used to clear it).</summary>
[Collection(DashboardCollection.Name)]
public sealed class FieldErrorTests(DashboardFixture app)
{
    /// <summary>The red helper text under the field whose input is <paramref name="input"/>.</summary>
    private static ILocator FieldError(IPage page, string input) =>
        page.Locator(".mud-input-control", new() { Has = page.Locator(input) }).Locator(".mud-input-helper-text.mud-input-error");

    [Fact]
    public async Task Page_1a_shows_each_bad_setting_under_its_field_after_Run_and_again_after_an_edit()
    {
        var page = await app.OpenAsync("1a");
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        try
        {
            const string epochs = "input[data-testid=epochs]";
            var scale = page.GetByLabel("Polyak scale c");
            await page.Locator(epochs).FillAsync("0");
            await scale.FillAsync("-1");
            await page.Locator("[data-testid=run]").ClickAsync();

            await Assertions.Expect(page.Locator("[data-testid=settings-errors]")).ToContainTextAsync("Epochs must be between 1 and 100,000; got 0.");
            var epochsError = FieldError(page, epochs);
            await Assertions.Expect(epochsError).ToBeVisibleAsync();
            await Assertions.Expect(epochsError).ToHaveTextAsync("Epochs must be between 1 and 100,000; got 0.");
            var scaleError = page.Locator(".mud-input-control", new() { Has = scale }).Locator(".mud-input-helper-text.mud-input-error");
            await Assertions.Expect(scaleError).ToBeVisibleAsync();
            await Assertions.Expect(scaleError).ToContainTextAsync("Must be positive; got -1.");
            // MudBlazor's error colour, not the grey of a helper text.
            Assert.NotEqual("rgba(0, 0, 0, 0.6)", await epochsError.EvaluateAsync<string>("e => getComputedStyle(e).color"));

            // Still bad after an edit and a blur: pressing Run shows the new message under the field.
            await page.Locator(epochs).FillAsync("-5");
            await page.Locator(epochs).PressAsync("Tab");
            await page.Locator("[data-testid=run]").ClickAsync();
            await Assertions.Expect(epochsError).ToHaveTextAsync("Epochs must be between 1 and 100,000; got -5.");
            await Assertions.Expect(scaleError).ToBeVisibleAsync();
            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, "page-1a-field-errors.png") });

            // Fixed: its message goes; the other bad field keeps its own, and nothing starts.
            await page.Locator(epochs).FillAsync("5");
            await page.Locator("[data-testid=run]").ClickAsync();
            await Assertions.Expect(epochsError).ToHaveCountAsync(0);
            await Assertions.Expect(scaleError).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("[data-testid=settings-errors]")).Not.ToContainTextAsync("Epochs");
            Assert.Empty(errors);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task Pages_that_recompute_as_you_type_show_the_bad_setting_under_its_field()
    {
        var page = await app.OpenAsync("explorer");
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        try
        {
            const string batch = "input[data-testid=batch]";
            await page.Locator(batch).FillAsync("0");
            await page.Locator(batch).PressAsync("Tab");
            await Assertions.Expect(page.Locator("[data-testid=settings-errors]")).ToContainTextAsync("Batch size must be at least 1");
            await Assertions.Expect(FieldError(page, batch)).ToHaveTextAsync("Batch size must be at least 1; got 0.");
            await page.Locator(batch).FillAsync("-3");   // still bad: the message follows the value
            await page.Locator(batch).PressAsync("Tab");
            await Assertions.Expect(FieldError(page, batch)).ToHaveTextAsync("Batch size must be at least 1; got -3.");
            await page.Locator(batch).FillAsync("25");
            await page.Locator(batch).PressAsync("Tab");
            await Assertions.Expect(FieldError(page, batch)).ToHaveCountAsync(0);

            // 2a (line search) on the constraints page.
            await page.GotoAsync("constraints");
            await DashboardFixture.WaitForInteractiveAsync(page);
            const string iterations = "input[data-testid=ls-iterations]";
            await page.Locator(iterations).FillAsync("0");
            await page.Locator(iterations).PressAsync("Tab");
            await Assertions.Expect(FieldError(page, iterations)).ToHaveTextAsync("Iterations must be between 1 and 2,000.");
            await page.Locator(iterations).FillAsync("-2");
            await page.Locator(iterations).PressAsync("Tab");
            await Assertions.Expect(FieldError(page, iterations)).ToBeVisibleAsync();
            Assert.Empty(errors);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    /// <summary>"NaN" (and other text that is not a finite number) stays as typed with a message naming the field; it
    /// used to become double.MinValue (MudNumericField's clamp: NaN compares below every number), shown as
    /// -1.7976931348623157E+308 in the page's message and written into the explorer's shareable URL.</summary>
    [Fact]
    public async Task Not_a_number_stays_what_was_typed_with_a_message_naming_the_field()
    {
        var page = await app.OpenAsync("explorer");
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        try
        {
            const string lr = "input[data-testid=lr]";
            string urlBefore = page.Url;
            await page.Locator(lr).FillAsync("NaN");
            await page.Locator(lr).PressAsync("Tab");
            await Assertions.Expect(FieldError(page, lr)).ToHaveTextAsync("Constant lr: not a number (NaN).");
            await Assertions.Expect(page.Locator(lr)).ToHaveValueAsync("NaN");
            await Assertions.Expect(page.Locator("[data-testid=settings-errors]")).ToContainTextAsync("Constant lr:");
            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, "explorer-lr-nan.png"), FullPage = true });
            await AssertNoHugeNumberAsync(page);
            Assert.Equal(urlBefore, page.Url);            // a bad value is not written into the shareable URL

            await page.Locator(lr).FillAsync("1e999");    // parses to +∞: not clamped to double.MaxValue either
            await Assertions.Expect(FieldError(page, lr)).ToHaveTextAsync("Constant lr: not a number (1e999).");
            await AssertNoHugeNumberAsync(page);
            await page.Locator(lr).FillAsync("-0.1");     // the page's own message names the field too
            await Assertions.Expect(FieldError(page, lr)).ToHaveTextAsync("Constant lr: Must be positive; got -0.1.");
            Assert.Equal(urlBefore, page.Url);
            await page.Locator(lr).FillAsync("0.03");
            await Assertions.Expect(FieldError(page, lr)).ToHaveCountAsync(0);
            await page.WaitForURLAsync("**lr=0.03**");

            await page.GotoAsync("playground");
            await DashboardFixture.WaitForInteractiveAsync(page);
            const string temperature = "input[data-testid=temperature]";
            await page.Locator(temperature).FillAsync("NaN");
            await page.Locator(temperature).PressAsync("Tab");
            await Assertions.Expect(FieldError(page, temperature)).ToHaveTextAsync("Temperature: not a number (NaN).");
            await Assertions.Expect(page.Locator(temperature)).ToHaveValueAsync("NaN");
            await page.Locator(temperature).FillAsync("abc");
            await Assertions.Expect(FieldError(page, temperature)).ToHaveTextAsync("Temperature: not a number (abc).");
            await AssertNoHugeNumberAsync(page);

            // The other forms QA tried share the same field: /1b's Polyak ε and 2a's Shrink β.
            foreach (var (path, label) in new[] { ("1b", "Polyak ε"), ("constraints", "Shrink β") })
            {
                await page.GotoAsync(path);
                await DashboardFixture.WaitForInteractiveAsync(page);
                var field = page.GetByLabel(label, new() { Exact = true });
                await field.FillAsync("NaN");
                await field.PressAsync("Tab");
                await Assertions.Expect(page.Locator(".mud-input-control", new() { Has = field }).Locator(".mud-input-helper-text.mud-input-error"))
                    .ToHaveTextAsync($"{label}: not a number (NaN).");
                await AssertNoHugeNumberAsync(page);
            }
            Assert.Empty(errors);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    private static async Task AssertNoHugeNumberAsync(IPage page)
    {
        string html = await page.ContentAsync();
        foreach (var text in new[] { html, page.Url })
        {
            Assert.DoesNotContain("1.7976931348623157", text);
            Assert.DoesNotContain("1.8E+308", text);
            Assert.DoesNotContain("Infinity", text);
        }
    }
}
