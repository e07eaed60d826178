using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PolyakDashboard.Runs;

namespace PolyakDashboard.BrowserTests;

/// <summary>A lecture: the audience's browsers (no key) watch; the presenter signs in once in the app bar.</summary>
[Collection(KeyedDashboardCollection.Name)]
public sealed class RolePageTests(KeyedDashboardFixture app)
{
    /// <summary>Waits for the page to follow to a URL ending in <paramref name="end"/>; on a timeout saves a screenshot and says where it is.</summary>
    private async Task FollowedToAsync(IPage page, string end, string shot)
    {
        try
        {
            // Polled in the page: WaitForURL waits for a navigation event, which a follow that already happened never fires.
            await page.WaitForFunctionAsync("end => location.href.endsWith(end)", end, new() { Timeout = 30_000 });
        }
        catch (TimeoutException)
        {
            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, shot) });
            var presence = app.Services.GetRequiredService<PresenterPresence>();
            throw new TimeoutException($"The page is at {page.Url}, not at …{end}; the presenter is at {presence.Current?.Path}.");
        }
    }

    [Fact]
    public async Task A_viewer_sees_run_and_stop_disabled_with_a_tooltip_and_follows_the_presenter()
    {
        var page = await app.OpenAsync("1a");
        try
        {
            await Assertions.Expect(page.Locator("[data-testid=sign-in-open]")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("[data-testid=run]")).ToBeDisabledAsync();
            await Assertions.Expect(page.Locator("[data-testid=stop]")).ToBeDisabledAsync();
            await page.Locator("[data-testid=run]").Locator("..").HoverAsync();
            await Assertions.Expect(page.GetByText("Presenter only — sign in")).ToBeVisibleAsync(new() { Timeout = 5_000 });
            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, "viewer-1a.png") });

            // The presenter moves (what their app bar does on every navigation): the viewer's page follows, query and all.
            var presence = app.Services.GetRequiredService<PresenterPresence>();
            presence.Show("/explorer?x=-2&y=4");
            await FollowedToAsync(page, "/explorer?x=-2&y=4", "follow-explorer-failed.png");
            await Assertions.Expect(page.Locator("[data-testid=race-cost]")).ToContainTextAsync("Start (-2, 4)", new() { Timeout = 30_000 });
            presence.Show("/explorer?x=-3&y=4");     // the presenter clicks another start: same page, new query
            await Assertions.Expect(page.Locator("[data-testid=race-cost]")).ToContainTextAsync("Start (-3, 4)", new() { Timeout = 30_000 });

            // Browsing freely: the toggle stops following.
            await page.Locator("[data-testid=follow-toggle]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=follow-toggle]")).ToHaveAttributeAsync("aria-pressed", "false");
            presence.Show("/1c");
            await Task.Delay(1500);      // nothing should happen; give it the time a follow takes
            Assert.Contains("/explorer", page.Url);
            await page.Locator("[data-testid=follow-toggle]").ClickAsync();    // following again: catches up at once
            await FollowedToAsync(page, "/1c", "follow-again-failed.png");
        }
        finally
        {
            await page.EvaluateAsync("() => localStorage.removeItem('polyak-dashboard-follow')");
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task A_viewer_cannot_upload_a_checkpoint_in_the_playground()
    {
        app.Services.GetRequiredService<PresenterPresence>().Show("/playground");    // where a following viewer goes on arrival
        var page = await app.OpenAsync("playground");
        try
        {
            await DashboardFixture.WaitForInteractiveAsync(page);
            var upload = page.Locator("[data-testid=upload-button]");
            await Assertions.Expect(upload).ToContainTextAsync("Upload .ckpt");
            await Assertions.Expect(upload).ToBeDisabledAsync();
            await Assertions.Expect(upload).ToHaveAttributeAsync("title", "Presenter only — sign in");
        }
        finally { await page.CloseAsync(); }
    }

    [Fact]
    public async Task The_presenter_signs_in_once_in_the_app_bar_and_may_run()
    {
        app.Services.GetRequiredService<PresenterPresence>().Show("/1a");    // where a following viewer goes on arrival
        var page = await app.OpenAsync("1a");
        try
        {
            await page.Locator("[data-testid=sign-in-open]").ClickAsync();
            await page.Locator("input[data-testid=presenter-key]").FillAsync("not the key");
            await page.Locator("[data-testid=sign-in]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=sign-in-error]")).ToContainTextAsync("not the presenter key");

            await page.Locator("input[data-testid=presenter-key]").FillAsync(KeyedDashboardFixture.Key);
            await page.Locator("[data-testid=sign-in]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=role]")).ToContainTextAsync("Presenter", new() { Timeout = 15_000 });
            await DashboardFixture.WaitForInteractiveAsync(page);
            await Assertions.Expect(page.Locator("[data-testid=run]")).ToBeEnabledAsync();
            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, "presenter-1a.png") });

            // Another tab of the same browser is the presenter too (the cookie); signing out makes both viewers again.
            var second = await app.OpenAsync("1b");
            await Assertions.Expect(second.Locator("[data-testid=role]")).ToBeVisibleAsync();
            await second.Locator("[data-testid=sign-out]").ClickAsync();
            await Assertions.Expect(second.Locator("[data-testid=sign-in-open]")).ToBeVisibleAsync(new() { Timeout = 15_000 });
            await second.CloseAsync();
        }
        finally
        {
            await page.Context.ClearCookiesAsync();
            await page.CloseAsync();
        }
    }
}
