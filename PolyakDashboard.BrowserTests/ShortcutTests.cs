using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PolyakDashboard.Runs;

namespace PolyakDashboard.BrowserTests;

/// <summary>Issue 18, the presenter's hands on the keyboard: Space = Run/Stop and R = reset on experiment pages, Space,
/// ←/→, Home/End in the explorer, Ctrl+Enter in the playground, ? for the list, P for presentation mode; never while
/// typing in a field.</summary>
[Collection(DashboardCollection.Name)]
public sealed class ShortcutTests(DashboardFixture app)
{
    [Fact]
    public async Task On_an_experiment_page_Space_runs_and_stops_R_resets_and_typing_a_space_does_neither()
    {
        var runs = app.Services.GetRequiredService<RunService>();
        var page = await app.OpenAsync("1a");
        string? before = runs.LatestLaunch("1a").FirstOrDefault()?.LaunchId;
        try
        {
            var epochs = page.Locator("input[data-testid=epochs]");
            // Typing in a field: a space is text, not Run (nor is an r a reset).
            await epochs.FillAsync("");
            await epochs.PressSequentiallyAsync("7r7 ");
            await page.WaitForTimeoutAsync(700);
            Assert.Equal(before, runs.LatestLaunch("1a").FirstOrDefault()?.LaunchId);
            await Assertions.Expect(page.Locator("[data-testid=run]")).ToBeEnabledAsync();
            Assert.Equal("77", await epochs.InputValueAsync());

            // R, with the focus on the page: the settings go back to the defaults.
            await page.Locator("h1").ClickAsync();
            await page.Keyboard.PressAsync("r");
            await Assertions.Expect(epochs).Not.ToHaveValueAsync("77");

            // Space: Run (the default grid runs long enough to stop) …
            await epochs.FillAsync("2000");
            await page.Locator("h1").ClickAsync();
            await page.Keyboard.PressAsync("Space");
            await Assertions.Expect(page.Locator("[data-testid=stop]")).ToBeEnabledAsync(new() { Timeout = 15_000 });
            Assert.NotEqual(before, runs.LatestLaunch("1a").FirstOrDefault()?.LaunchId);
            // … Space again: Stop.
            await page.Locator("h1").ClickAsync();
            await page.Keyboard.PressAsync("Space");
            await Assertions.Expect(page.Locator("[data-testid=run]")).ToBeEnabledAsync(new() { Timeout = 15_000 });
            await Assertions.Expect(page.Locator("[data-testid=status]")).ToContainTextAsync("cancelled", new() { Timeout = 15_000 });

            // ? lists the shortcuts; Escape closes the list.
            await page.Keyboard.PressAsync("Shift+Slash");
            var dialog = page.Locator("[data-testid=shortcuts-dialog]");
            await Assertions.Expect(dialog).ToContainTextAsync("Ctrl+Enter");
            // The list takes the focus once it has rendered (then Escape is its own); a CI run pressed Escape before that.
            await page.WaitForFunctionAsync("() => !!document.activeElement?.closest('.mud-dialog')", null, new() { Timeout = 5_000 });
            await page.Keyboard.PressAsync("Escape");
            await Assertions.Expect(dialog).ToHaveCountAsync(0);
        }
        finally
        {
            foreach (var launch in runs.LatestLaunch("1a").Select(r => r.LaunchId).Distinct()) runs.CancelLaunch(launch);
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task In_the_explorer_Space_plays_and_pauses_the_arrows_step_and_Home_and_End_jump()
    {
        var page = await app.OpenAsync("explorer");
        try
        {
            var step = page.Locator("[data-testid=playback]").GetByText(new System.Text.RegularExpressions.Regex(@"^step \d+ of \d+$"));
            await Assertions.Expect(page.Locator("[data-testid=play]")).ToBeEnabledAsync(new() { Timeout = 30_000 });
            await page.Locator("h1").ClickAsync();
            await page.Keyboard.PressAsync("End");
            string text = await step.InnerTextAsync();
            var m = System.Text.RegularExpressions.Regex.Match(text, @"step (\d+) of (\d+)");
            Assert.Equal(m.Groups[2].Value, m.Groups[1].Value);
            await page.Keyboard.PressAsync("Home");
            await Assertions.Expect(step).ToHaveTextAsync($"step 0 of {m.Groups[2].Value}");
            await page.Keyboard.PressAsync("ArrowRight");
            await page.Keyboard.PressAsync("ArrowRight");
            await page.Keyboard.PressAsync("ArrowLeft");
            await Assertions.Expect(step).ToHaveTextAsync($"step 1 of {m.Groups[2].Value}");
            await page.Keyboard.PressAsync("Space");
            await Assertions.Expect(page.Locator("[data-testid=pause]")).ToBeVisibleAsync();
            await page.Keyboard.PressAsync("Space");
            await Assertions.Expect(page.Locator("[data-testid=play]")).ToBeVisibleAsync();
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task In_the_playground_Ctrl_Enter_generates_also_from_the_prompt()
    {
        var page = await app.OpenAsync("playground");
        try
        {
            await Assertions.Expect(page.Locator("[data-testid=generate]")).ToBeEnabledAsync(new() { Timeout = 15_000 });
            var prompt = page.Locator("[data-testid=prompt] input, input[data-testid=prompt], [data-testid=prompt] textarea").First;
            await prompt.FillAsync("Mama ");
            await prompt.PressAsync("Control+Enter");
            await page.WaitForFunctionAsync("() => Number(document.querySelector('[data-testid=sample-text]')?.dataset.chars ?? 0) > 0",
                null, new() { Timeout = 30_000 });
        }
        finally
        {
            await page.CloseAsync();
        }
    }
}

/// <summary>A viewer's Space does not run anything (Run is the presenter's); P still works for them.</summary>
[Collection(KeyedDashboardCollection.Name)]
public sealed class ViewerShortcutTests(KeyedDashboardFixture app)
{
    [Fact]
    public async Task A_viewers_Space_starts_nothing_but_P_is_theirs()
    {
        var runs = app.Services.GetRequiredService<RunService>();
        var page = await app.OpenAsync("1a");
        try
        {
            string? before = runs.LatestLaunch("1a").FirstOrDefault()?.LaunchId;
            await page.Locator("h1").ClickAsync();
            await page.Keyboard.PressAsync("Space");
            await page.WaitForTimeoutAsync(700);
            Assert.Equal(before, runs.LatestLaunch("1a").FirstOrDefault()?.LaunchId);
            await page.Keyboard.PressAsync("p");
            await Assertions.Expect(page.Locator("html.presentation")).ToHaveCountAsync(1);
            await page.Keyboard.PressAsync("p");
            await Assertions.Expect(page.Locator("html.presentation")).ToHaveCountAsync(0);
        }
        finally
        {
            await page.CloseAsync();
        }
    }
}
