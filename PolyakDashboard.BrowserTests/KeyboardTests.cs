using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace PolyakDashboard.BrowserTests;

/// <summary>Issue 20.6: every action reachable by keyboard. The Runs page's row actions by Tab, Space and Enter.</summary>
[Collection(DashboardCollection.Name)]
public sealed class KeyboardTests(DashboardFixture app)
{
    [Fact]
    public async Task A_run_is_ticked_tagged_and_deleted_with_tab_space_and_enter()
    {
        using var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        var response = await http.PostAsJsonAsync("api/runs", new { problem = "quadratic", optimizer = "sgd", batchSize = 50, epochs = 5, label = "keyboard run" });
        response.EnsureSuccessStatusCode();
        string id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(await http.GetStringAsync($"api/runs/history?search={id}")).Contains("\"isFinished\":true"))
        {
            Assert.True(DateTime.UtcNow < deadline, $"run {id} did not finish");
            await Task.Delay(100);
        }

        var page = await app.OpenAsync($"runs?search={id}");
        try
        {
            string row = $"[data-testid=runs-table] tbody tr:has([data-run='{id}'])";
            await Assertions.Expect(page.Locator(row)).ToHaveCountAsync(1, new() { Timeout = 15_000 });

            // Tick the row (Space on its checkbox): the comparison opens.
            await DashboardFixture.TabToAsync(page, $"{row} input[type=checkbox]");
            await page.Keyboard.PressAsync("Space");
            await Assertions.Expect(page.Locator("[data-testid=compare][data-runs='1']")).ToBeVisibleAsync(new() { Timeout = 15_000 });

            // Its pencil (Enter), a tag typed and added with Enter, removed and added again, saved with Enter.
            await DashboardFixture.TabToAsync(page, $"{row} [data-testid=edit]", backwards: true);
            await page.Keyboard.PressAsync("Enter");
            var annotations = page.Locator("[data-testid=annotations]");
            await Assertions.Expect(annotations).ToBeVisibleAsync();
            await DashboardFixture.TabToAsync(page, "input[data-testid=new-tag]");
            await page.Keyboard.TypeAsync("by-keyboard");
            await page.Keyboard.PressAsync("Enter");
            var chip = annotations.Locator(".mud-chip", new() { HasText = "by-keyboard" });
            await Assertions.Expect(chip).ToBeVisibleAsync();
            await DashboardFixture.TabToAsync(page, "[data-testid=annotations] .mud-chip-close-button[aria-label='Remove tag by-keyboard']", backwards: true);
            await page.Keyboard.PressAsync("Enter");
            await Assertions.Expect(chip).ToHaveCountAsync(0);
            await DashboardFixture.TabToAsync(page, "input[data-testid=new-tag]");
            await page.Keyboard.TypeAsync("by-keyboard");
            await page.Keyboard.PressAsync("Enter");
            await DashboardFixture.TabToAsync(page, "[data-testid=save-annotations]");
            await page.Keyboard.PressAsync("Enter");
            await Assertions.Expect(page.Locator(row).Locator(".mud-chip", new() { HasText = "by-keyboard" })).ToBeVisibleAsync(new() { Timeout = 10_000 });

            // Delete from the row (Enter), confirmed in the dialog by keyboard too.
            await DashboardFixture.TabToAsync(page, $"{row} [data-testid=delete]", backwards: true);
            await page.Keyboard.PressAsync("Enter");
            var dialog = page.GetByRole(AriaRole.Dialog);
            await Assertions.Expect(dialog).ToContainTextAsync("keyboard run");
            // The dialog moves the focus into itself once it has opened: tabbing before that, on a loaded CI box, reached
            // Delete, and the dialog's own focus then moved to its first button — Enter cancelled (the run stayed).
            await page.WaitForFunctionAsync("() => !!document.activeElement?.closest('[role=dialog]')", null, new() { Timeout = 10_000 });
            await page.WaitForTimeoutAsync(300);
            await DashboardFixture.TabToAsync(page, "[role=dialog] button", limit: 10, text: "Delete");
            await page.Keyboard.PressAsync("Enter");
            // The dialog closes on the key; the purge and the reload behind it took over 10 s once in a loaded CI run.
            await Assertions.Expect(dialog).ToHaveCountAsync(0, new() { Timeout = 10_000 });
            await Assertions.Expect(page.GetByText("Deleted 1 run.")).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await Assertions.Expect(page.Locator(row)).ToHaveCountAsync(0, new() { Timeout = 30_000 });
        }
        finally
        {
            await page.CloseAsync();
        }
    }
}
