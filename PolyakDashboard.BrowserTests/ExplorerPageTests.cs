using Microsoft.Playwright;

namespace PolyakDashboard.BrowserTests;

[Collection(DashboardCollection.Name)]
public sealed class ExplorerPageTests(DashboardFixture app)
{
    [Fact]
    public async Task Over_several_mini_batch_orders_the_race_counts_escapes_and_draws_every_path()
    {
        // The URL carries the orders: a lecturer's link shows 10 orders of sgd and polyak-sgd from (3, 3).
        var page = await app.OpenAsync("explorer?opt=sgd,polyak-sgd&seeds=10");
        try
        {
            var escaped = page.Locator("[data-testid=lanes] td[data-escaped]");
            await Assertions.Expect(escaped).ToHaveCountAsync(2, new() { Timeout = 15_000 });
            foreach (var cell in await escaped.AllInnerTextsAsync()) Assert.Matches(@"escapes in \d+/10 orders", cell);
            var thin = page.Locator("[data-testid=landscape] polyline.trajectory.thin");
            await Assertions.Expect(thin).ToHaveCountAsync(2 * 9, new() { Timeout = 10_000 });   // the other 9 orders of each
            await Assertions.Expect(page.Locator("[data-testid=race-cost]")).ToContainTextAsync("the other 9 thin");

            // The escape map over 5 orders per start: cells coloured by the fraction that escape, with its legend.
            await page.Locator("[data-testid=map-seeds]").ClickAsync();
            await page.GetByRole(AriaRole.Option, new() { Name = "5", Exact = true }).ClickAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Compute" }).ClickAsync();
            var mapCost = page.Locator("[data-testid=map-cost]");
            await Assertions.Expect(mapCost).ToContainTextAsync("5 mini-batch orders per start", new() { Timeout = 60_000 });
            await Assertions.Expect(page.GetByText("100% escape").First).ToBeVisibleAsync();
            await page.Locator("[data-testid=landscape]").ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, "explorer-seeds.png") });
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task Clicking_the_landscape_races_every_optimizer_from_there_and_keeps_it_in_the_url()
    {
        var page = await app.OpenAsync("explorer");
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        try
        {
            var lanes = page.Locator("[data-testid=lanes] tr");
            await Assertions.Expect(lanes).ToHaveCountAsync(6);
            var trajectories = page.Locator("[data-testid=landscape] svg path");
            await Assertions.Expect(trajectories.First).ToBeVisibleAsync(new() { Timeout = 15_000 });
            var cost = page.Locator("[data-testid=race-cost]");
            Assert.Contains("Start (3, 3)", await cost.InnerTextAsync());

            // Click in the lower-left part of the plot: a new start, new paths, and the URL says where.
            var plot = page.Locator("[data-testid=landscape] [data-plot] svg").First;
            var box = (await plot.BoundingBoxAsync())!;
            await page.Mouse.ClickAsync(box.X + box.Width * 0.35f, box.Y + box.Height * 0.7f);
            await Assertions.Expect(cost).Not.ToContainTextAsync("Start (3, 3)", new() { Timeout = 10_000 });
            await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(@"explorer\?x=-?[0-9.]+&y=-?[0-9.]+"));
            var url = page.Url;

            // A student opening the same link sees the same race.
            var student = await app.NewPageAsync();
            await student.GotoAsync(url);
            await DashboardFixture.WaitForInteractiveAsync(student);
            Assert.Equal((await cost.InnerTextAsync()).Split('·')[0], (await student.Locator("[data-testid=race-cost]").InnerTextAsync()).Split('·')[0]);
            await student.CloseAsync();

            // The escape map of full-batch SGD below the stability edge: both basins show.
            await page.GotoAsync("explorer?batch=25&lr=0.04&opt=sgd,polyak-sgd");
            await DashboardFixture.WaitForInteractiveAsync(page);
            await page.GetByRole(AriaRole.Button, new() { Name = "Compute" }).ClickAsync();
            var mapCost = page.Locator("[data-testid=map-cost]");
            await Assertions.Expect(mapCost).ToContainTextAsync("1,600 runs", new() { Timeout = 60_000 });
            await Assertions.Expect(mapCost).ToContainTextAsync("local");
            await Assertions.Expect(mapCost).ToContainTextAsync("global");
            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, "explorer.png"), FullPage = true });
            await page.Locator("[data-testid=landscape]").ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, "explorer-landscape.png") });

            // Bad input: batch size 0 gets a message next to the control and nothing breaks.
            await page.Locator("input[data-testid=batch]").FillAsync("0");
            await page.Locator("input[data-testid=batch]").PressAsync("Tab");
            await Assertions.Expect(page.Locator("[data-testid=settings-errors]")).ToContainTextAsync("Batch size must be at least 1");
            Assert.Equal(2, await lanes.CountAsync());   // the last good race (sgd, polyak-sgd) stays on screen
            Assert.Empty(errors);
        }
        finally
        {
            await page.CloseAsync();
        }
    }
}
