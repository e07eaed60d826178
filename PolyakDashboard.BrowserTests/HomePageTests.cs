using Microsoft.Playwright;

namespace PolyakDashboard.BrowserTests;

[Collection(DashboardCollection.Name)]
public sealed class HomePageTests(DashboardFixture app)
{
    private static readonly (string Href, string Text)[] NavLinks =
    [
        ("/", "Home"), ("/1a", "1a"), ("/1b", "1b"), ("/1c", "1c"), ("/1d", "1d"), ("/1e", "1e"),
        ("/explorer", "Two-well explorer"), ("/playground", "Child-speech playground"),
        ("/constraints", "Line search & constraints"), ("/runs", "Runs"), ("/api/docs", "HTTP API reference"),
    ];

    [Fact]
    public async Task Home_shows_app_bar_drawer_and_cards_and_toggles_dark_mode()
    {
        var page = await app.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") errors.Add(m.Text); };
        page.PageError += (_, e) => errors.Add(e);
        try
        {
            await page.GotoAsync("");
            await DashboardFixture.WaitForInteractiveAsync(page);

            Assert.Equal("Polyak Dashboard", await page.TitleAsync());
            Assert.Contains("Polyak Dashboard", await page.Locator(".mud-appbar").InnerTextAsync());

            var drawer = page.Locator(".mud-drawer");
            foreach (var (href, text) in NavLinks)
            {
                var link = drawer.Locator($"a.mud-nav-link[href='{href}']");
                Assert.Equal(1, await link.CountAsync());
                Assert.Contains(text, await link.InnerTextAsync());
            }
            Assert.Equal(9, await page.Locator("[data-testid=page-card]").CountAsync());

            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, "home-light.png") });
            var lightBackground = await BodyBackgroundAsync(page);

            await page.ClickAsync("[data-testid=theme-toggle]");
            await page.WaitForFunctionAsync("bg => getComputedStyle(document.body).backgroundColor !== bg", lightBackground);
            Assert.Equal("dark", await page.EvaluateAsync<string>("localStorage.getItem('polyak-dashboard-theme')"));
            // Away from the toggle, so neither its tooltip nor its focus ring is in the picture.
            await page.Mouse.MoveAsync(600, 500);
            await page.EvaluateAsync("document.activeElement?.blur()");
            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, "home-dark.png") });

            // The choice survives a reload.
            await page.ReloadAsync();
            await DashboardFixture.WaitForInteractiveAsync(page);
            await page.WaitForFunctionAsync("bg => getComputedStyle(document.body).backgroundColor !== bg", lightBackground);

            Assert.Empty(errors);
        }
        finally
        {
            await page.EvaluateAsync("localStorage.clear()");
            await page.CloseAsync();
        }
    }

    [Theory]
    [InlineData("lib/apexcharts/apexcharts.min.js")]
    [InlineData("lib/signalr/signalr.min.js")]
    [InlineData("lib/d3/d3-array.min.js")]
    [InlineData("lib/d3/d3-contour.min.js")]
    [InlineData("lib/d3/d3-scale-chromatic.min.js")]
    [InlineData("Components/Charts/LiveChart.razor.js")]
    [InlineData("Components/Charts/Landscape.razor.js")]
    [InlineData("Components/Runs/RunCompare.razor.js")]
    [InlineData("js/training-hub.js")]
    public async Task Front_end_assets_are_served(string path)
    {
        var page = await app.NewPageAsync();
        try
        {
            var response = await page.APIRequest.GetAsync(path);
            Assert.Equal(200, response.Status);
            Assert.True((await response.BodyAsync()).Length > 1000, $"{path} is nearly empty");
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    private static Task<string> BodyBackgroundAsync(IPage page) =>
        page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor");
}
