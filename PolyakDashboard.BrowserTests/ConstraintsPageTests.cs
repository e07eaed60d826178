using System.Globalization;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace PolyakDashboard.BrowserTests;

[Collection(DashboardCollection.Name)]
public sealed class ConstraintsPageTests(DashboardFixture app, ITestOutputHelper output)
{
    private static readonly LocatorAssertionsToBeVisibleOptions Drawn = new() { Timeout = 15_000 };

    [Fact]
    public async Task Iterations_applies_on_every_keystroke_like_the_learning_rate()
    {
        var page = await app.OpenAsync("constraints");
        try
        {
            // The constant step costs one evaluation at the start and one per iteration: its row counts the iterations.
            var constant = page.Locator("[data-testid=ls-costs] tbody tr", new() { HasText = "constant" });
            await Assertions.Expect(constant).ToBeVisibleAsync(Drawn);
            var iterations = page.Locator("input[data-testid=ls-iterations]");
            await iterations.ClickAsync();
            await iterations.PressAsync("Control+a");
            await iterations.PressSequentiallyAsync("37");       // typed, focus stays in the field
            await Assertions.Expect(constant.Locator("td").Nth(1)).ToHaveTextAsync("38", new() { Timeout = 5_000 });
            Assert.True(await iterations.EvaluateAsync<bool>("el => document.activeElement === el"));
        }
        finally { await page.CloseAsync(); }
    }

    [Fact]
    public async Task Every_tab_draws_recomputes_as_controls_move_and_survives_bad_input()
    {
        var page = await app.OpenAsync("constraints");
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        page.Console += (_, m) => { if (m.Type == "error") errors.Add(m.Text); };
        try
        {
            Assert.Contains("Line search & constraints", await page.Locator("h1").InnerTextAsync());
            Assert.Equal(0, await page.GetByText("coming soon").CountAsync());

            // 2a: three trajectories on the contour, and lines on the evaluation charts.
            var trajectories = page.Locator("[data-testid=landscape] svg polyline.trajectory");
            await Assertions.Expect(trajectories.First).ToBeVisibleAsync(Drawn);
            Assert.Equal(3, await trajectories.CountAsync());
            var lossChart = Chart(page, "Loss vs function evaluations");
            await Assertions.Expect(Lines(lossChart).First).ToBeVisibleAsync(Drawn);
            await Assertions.Expect(Lines(Chart(page, "Evaluations per iteration")).First).ToBeVisibleAsync(Drawn);
            Assert.Equal(3, await Lines(lossChart).CountAsync());
            await Assertions.Expect(page.Locator("[data-testid=ls-costs] tbody tr")).ToHaveCountAsync(3);
            output.WriteLine($"2a: {await page.Locator("[data-testid=ls-time]").InnerTextAsync()}");
            await Shoot(page, "constraints-2a.png");

            // A click on the map starts all three runs there.
            var x0 = page.Locator("input[data-testid=ls-x0]");
            Assert.Equal("-1.8", await x0.InputValueAsync());
            var plot = page.Locator("[data-testid=landscape] [data-plot] svg").First;
            var box = (await plot.BoundingBoxAsync())!;
            await page.Mouse.ClickAsync(box.X + box.Width * 0.6f, box.Y + box.Height * 0.3f);
            await Assertions.Expect(x0).Not.ToHaveValueAsync("-1.8");
            await Assertions.Expect(trajectories).ToHaveCountAsync(3);

            // Rosenbrock: the constant step drops to 0.005, and the caption says why.
            await page.Locator(".mud-select", new() { HasText = "Function" }).First.ClickAsync();
            await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "rosenbrock" }).ClickAsync();
            await Assertions.Expect(page.Locator("input[data-testid=ls-lr]")).ToHaveValueAsync("0.005");
            await Assertions.Expect(page.GetByText("0.04 diverges in its steep valley")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("[data-testid=landscape] .landscape-title").First).ToContainTextAsync("rosenbrock");
            output.WriteLine($"2a rosenbrock: {await page.Locator("[data-testid=ls-time]").InnerTextAsync()}");
            await Shoot(page, "constraints-2a-rosenbrock.png");

            // Bad input: a clear message, the last good charts stay, and a good value recomputes.
            var iterations = page.Locator("input[data-testid=ls-iterations]");
            await iterations.FillAsync("0");
            await iterations.PressAsync("Tab");
            await Assertions.Expect(page.Locator("[data-testid=ls-errors]")).ToContainTextAsync("Iterations must be between 1 and 2,000");
            Assert.Equal(3, await trajectories.CountAsync());
            await iterations.FillAsync("60");
            await iterations.PressAsync("Tab");
            await Assertions.Expect(page.Locator("[data-testid=ls-errors]")).ToHaveCountAsync(0);

            // Mini-batches: full-data loss by evaluations, and how often it went up.
            await page.Locator("[data-testid=minibatch-switch]").First.CheckAsync();
            var increases = page.Locator("[data-testid=mb-increases] tbody tr");
            await Assertions.Expect(increases).ToHaveCountAsync(3, new() { Timeout = 30_000 });
            await Assertions.Expect(Lines(Chart(page, "Full-data loss vs function evaluations")).First).ToBeVisibleAsync(Drawn);
            var armijoRow = await increases.Filter(new() { HasText = "armijo-sgd" }).InnerTextAsync();
            Assert.Matches(@"[1-9]\d* of \d+ steps", armijoRow);   // batch 16: the search accepted steps that raised the full loss
            output.WriteLine($"2a mini-batch (batch 16, 2 epochs): {await page.Locator("[data-testid=mb-time]").InnerTextAsync()}");
            await Shoot(page, "constraints-2a-minibatch.png");
            var batch = page.Locator("input[data-testid=mb-batch]");
            await batch.FillAsync("1000");
            await batch.PressAsync("Tab");
            await Assertions.Expect(increases.Filter(new() { HasText = "armijo-sgd" })).ToContainTextAsync("0 of", new() { Timeout = 30_000 });
            output.WriteLine($"2a mini-batch (batch 1000): {await page.Locator("[data-testid=mb-time]").InnerTextAsync()}");
            // Batch 1 would be 2,000 steps a method: too slow to recompute as a control moves, so it says so.
            await batch.FillAsync("1");
            await batch.PressAsync("Tab");
            await Assertions.Expect(page.Locator("[data-testid=mb-errors]")).ToContainTextAsync("at most 300 steps", new() { Timeout = 10_000 });

            // 2b: three charts; a negative target puts the optimum on the boundary.
            await page.Locator(".mud-tab", new() { HasText = "2b" }).ClickAsync();
            var xChart = Chart(page, "x along the iterations");
            await Assertions.Expect(Lines(xChart).First).ToBeVisibleAsync(Drawn);
            await Assertions.Expect(Lines(Chart(page, "z along the iterations")).First).ToBeVisibleAsync(Drawn);
            await Assertions.Expect(Lines(Chart(page, "The loss seen by z")).First).ToBeVisibleAsync(Drawn);
            Assert.Equal(2, await Lines(xChart).CountAsync());
            await Shoot(page, "constraints-2b-inside.png");
            await page.Locator("[data-testid=cov-target] input[type=range]").FillAsync("-1");
            await Assertions.Expect(page.Locator("[data-testid=cov-target]")).ToContainTextAsync("t = -1.0");
            await Assertions.Expect(page.Locator("[data-testid=cov-summary]")).ToContainTextAsync("still falling");
            // z = ln x heads for −∞: the z chart's axis goes negative.
            await Assertions.Expect(Chart(page, "z along the iterations").Locator(".apexcharts-yaxis")).ToContainTextAsync("-2", new() { Timeout = 5_000 });
            output.WriteLine($"2b: {await page.Locator("[data-testid=cov-time]").InnerTextAsync()}");
            await Shoot(page, "constraints-2b.png");
            var lr = page.Locator("input[data-testid=cov-lr]");
            await lr.FillAsync("0");
            await lr.PressAsync("Tab");
            await Assertions.Expect(page.Locator("[data-testid=cov-errors]")).ToContainTextAsync("The learning rate must be in (0, 10]");
            await Assertions.Expect(Lines(xChart).First).ToBeVisibleAsync();

            // 2c: the charts and the plane draw; moving λ moves the minimiser to −2/(1 + λ).
            await page.Locator(".mud-tab", new() { HasText = "2c" }).ClickAsync();
            await Assertions.Expect(Lines(Chart(page, "f and the penalised F")).First).ToBeVisibleAsync(Drawn);
            await Assertions.Expect(Lines(Chart(page, "Gradient descent on F")).First).ToBeVisibleAsync(Drawn);
            await Assertions.Expect(Lines(Chart(page, "The minimiser of F as λ grows")).First).ToBeVisibleAsync(Drawn);
            await Assertions.Expect(page.Locator("[data-testid=landscape] svg polyline.trajectory").First).ToBeVisibleAsync(Drawn);
            var numeric = page.Locator("[data-testid=pen-numeric]");
            double before = await ValueOf(numeric);
            Assert.Equal(-2.0 / 11, before, 5e-4);   // default λ = 10
            output.WriteLine($"2c: {await page.Locator("[data-testid=pen-time]").InnerTextAsync()}");
            await Shoot(page, "constraints-2c.png");
            foreach (var log10Lambda in new[] { "2", "-1.5", "3.7" })
            {
                string previous = await numeric.GetAttributeAsync("data-value") ?? "";
                await page.Locator("[data-testid=pen-lambda-slider] input[type=range]").FillAsync(log10Lambda);
                await Assertions.Expect(numeric).Not.ToHaveAttributeAsync("data-value", previous);
                double lambda = await ValueOf(page.Locator("[data-testid=pen-lambda]"));
                Assert.Equal(Math.Pow(10, double.Parse(log10Lambda, CultureInfo.InvariantCulture)), lambda, 1e-4 * lambda);
                double shown = double.Parse(await numeric.InnerTextAsync(), CultureInfo.InvariantCulture);
                Assert.Equal(-2.0 / (1 + lambda), shown, 5e-4);
                Assert.Equal(-2.0 / (1 + lambda), await ValueOf(page.Locator("[data-testid=pen-exact]")), 1e-9);
                output.WriteLine($"2c λ = {lambda:G4}: numeric {shown}, {await page.Locator("[data-testid=pen-time]").InnerTextAsync()}");
            }
            await Shoot(page, "constraints-2c-large-lambda.png");
            var penaltyIterations = page.Locator("input[data-testid=pen-iterations]");
            await penaltyIterations.FillAsync("0");
            await penaltyIterations.PressAsync("Tab");
            await Assertions.Expect(page.Locator("[data-testid=pen-errors]")).ToContainTextAsync("Iterations must be between 1 and 100,000");
            await penaltyIterations.FillAsync("300");
            await penaltyIterations.PressAsync("Tab");
            await Assertions.Expect(page.Locator("[data-testid=pen-errors]")).ToHaveCountAsync(0);

            // Back to 2a: it kept its settings (mini-batches, batch 1) and is still live once the batch is sane again.
            await page.Locator(".mud-tab", new() { HasText = "2a" }).ClickAsync();
            await Assertions.Expect(page.Locator("input[data-testid=mb-batch]")).ToHaveValueAsync("1");
            await page.Locator("input[data-testid=mb-batch]").FillAsync("16");
            await page.Locator("input[data-testid=mb-batch]").PressAsync("Tab");
            await Assertions.Expect(increases).ToHaveCountAsync(3, new() { Timeout = 60_000 });

            // The 2-D view in dark mode, for the record.
            await page.Locator("[data-testid=minibatch-switch]").First.UncheckAsync();
            await Assertions.Expect(trajectories.First).ToBeVisibleAsync(Drawn);
            await page.ClickAsync("[data-testid=theme-toggle]");
            await page.EvaluateAsync("document.activeElement?.blur()");
            await Shoot(page, "constraints-2a-dark.png");
            Assert.Empty(errors);
        }
        finally
        {
            await page.EvaluateAsync("localStorage.clear()");
            await page.CloseAsync();
        }
    }

    private static ILocator Chart(IPage page, string title) =>
        page.Locator("[data-testid=live-chart]", new() { Has = page.Locator(".live-chart-title", new() { HasText = title }) });

    private static ILocator Lines(ILocator chart) => chart.Locator(".apexcharts-series path.apexcharts-line");

    private static async Task<double> ValueOf(ILocator element) =>
        double.Parse(await element.GetAttributeAsync("data-value") ?? "NaN", CultureInfo.InvariantCulture);

    private async Task Shoot(IPage page, string file)
    {
        await page.Mouse.MoveAsync(5, 500);   // no hover tooltips in the picture
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await page.WaitForTimeoutAsync(400);  // charts redraw at most ~14 times a second
        await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, file), FullPage = true });
    }
}
