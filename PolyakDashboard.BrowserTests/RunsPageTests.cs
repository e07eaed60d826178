using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace PolyakDashboard.BrowserTests;

[Collection(DashboardCollection.Name)]
public sealed class RunsPageTests(DashboardFixture app)
{
    [Fact]
    public async Task Two_runs_are_listed_ticked_compared_in_overlaid_charts_and_replayed()
    {
        using var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        string polyak = await StartAsync(http, new { problem = "noisy-linear", optimizer = "polyak-sgd", batchSize = 4, epochs = 40, label = "browser polyak" });
        string sgd = await StartAsync(http, new { problem = "noisy-linear", optimizer = "sgd", batchSize = 4, epochs = 40, label = "browser sgd" });
        await WaitFinishedAsync(http, polyak);
        await WaitFinishedAsync(http, sgd);

        var page = await app.OpenAsync("runs?search=browser");
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        try
        {
            var rows = page.Locator("[data-testid=runs-table] tbody tr").Filter(new() { Has = page.Locator("[data-testid=run-name]") });
            await Assertions.Expect(rows).ToHaveCountAsync(2, new() { Timeout = 15_000 });
            foreach (var id in new[] { polyak, sgd })
                await rows.Filter(new() { Has = page.Locator($"[data-run='{id}']") }).Locator("input[type=checkbox]").CheckAsync(new() { Force = true });

            var compare = page.Locator("[data-testid=compare][data-state=ready][data-runs='2']");
            await Assertions.Expect(compare).ToBeVisibleAsync(new() { Timeout = 15_000 });
            // Both runs drawn, overlaid, in the loss chart: two lines with many vertices.
            var lines = compare.Locator("[data-testid=live-chart]").First.Locator(".apexcharts-series path.apexcharts-line");
            await Assertions.Expect(lines).ToHaveCountAsync(2, new() { Timeout = 15_000 });
            foreach (var d in await Task.WhenAll((await lines.AllAsync()).Select(l => l.GetAttributeAsync("d"))))
                Assert.True((d ?? "").Split('L').Length > 100, $"a compared line has only {(d ?? "").Split('L').Length} vertices");
            var legend = await compare.Locator("[data-testid=live-chart]").First.Locator(".live-chart-legend").InnerTextAsync();
            Assert.Contains("browser polyak", legend);
            Assert.Contains("browser sgd", legend);
            await Assertions.Expect(compare.Locator(".apexcharts-series path.apexcharts-line")).ToHaveCountAsync(6, new() { Timeout = 10_000 });
            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, "runs-compare.png"), FullPage = true });

            // Wall time on x, then a replay fitted to 2 s: it plays and ends by itself, the charts full again.
            await compare.Locator("[data-testid=x-axis] button", new() { HasText = "wall time" }).ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=compare][data-state=ready]")).ToBeVisibleAsync(new() { Timeout = 15_000 });
            await Assertions.Expect(compare.Locator(".apexcharts-xaxis-title-text").First).ToHaveTextAsync("seconds", new() { Timeout = 10_000 });
            await page.Locator("input[data-testid=fit-seconds]").FillAsync("2");
            await page.Locator("[data-testid=replay-play]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=replay][data-replay=playing]")).ToBeVisibleAsync(new() { Timeout = 5_000 });
            await Assertions.Expect(page.Locator("[data-testid=replay][data-replay=stopped]")).ToBeVisibleAsync(new() { Timeout = 20_000 });
            await Assertions.Expect(lines).ToHaveCountAsync(2, new() { Timeout = 10_000 });
            Assert.True(((await lines.First.GetAttributeAsync("d")) ?? "").Split('L').Length > 100, "the replay did not bring the whole line back");
            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, "runs-after-replay.png"), FullPage = true });
            Assert.Empty(errors);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task A_validation_loss_is_drawn_dashed_next_to_the_training_loss()
    {
        using var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        string source = await StartAsync(http, new { problem = "quadratic", optimizer = "adam", batchSize = 50, epochs = 30 });
        await WaitFinishedAsync(http, source);
        // What the child-speech trainer records: a validation loss per epoch (here made up, above the training loss).
        var document = JsonNode.Parse(await http.GetStringAsync($"api/runs/{source}/export"))!;
        document["run"]!["id"] = "with-validation";
        foreach (var epoch in document["epochs"]!.AsArray())
            epoch!["valLoss"] = (double)epoch["loss"]! * 3 + 0.01;
        var imported = await http.PostAsync("api/runs/import", new StringContent(document.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.Created, imported.StatusCode);

        var page = await app.OpenAsync("runs?search=with-validation");
        try
        {
            var row = page.Locator("[data-testid=runs-table] tbody tr").Filter(new() { Has = page.Locator("[data-run='with-validation']") });
            await row.Locator("input[type=checkbox]").CheckAsync(new() { Force = true, Timeout = 15_000 });
            var compare = page.Locator("[data-testid=compare][data-state=ready][data-runs='1']");
            await Assertions.Expect(compare).ToBeVisibleAsync(new() { Timeout = 15_000 });
            var epochChart = compare.Locator("[data-testid=live-chart]").Nth(2);
            await Assertions.Expect(epochChart.Locator(".apexcharts-series path.apexcharts-line")).ToHaveCountAsync(2, new() { Timeout = 10_000 });
            await Assertions.Expect(epochChart.Locator(".apexcharts-series path.apexcharts-line[stroke-dasharray='6']")).ToHaveCountAsync(1);
            Assert.Contains("(val)", await epochChart.Locator(".live-chart-legend").InnerTextAsync());
            await Assertions.Expect(compare.Locator(".apexcharts-series path.apexcharts-line")).ToHaveCountAsync(4, new() { Timeout = 10_000 });
            await page.ScreenshotAsync(new() { Path = Path.Combine(app.ScreenshotDir, "runs-validation-dashed.png"), FullPage = true });
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    private static async Task<string> StartAsync(HttpClient http, object request)
    {
        var response = await http.PostAsJsonAsync("api/runs", request);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
    }

    private static async Task WaitFinishedAsync(HttpClient http, string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (JsonDocument.Parse(await http.GetStringAsync($"api/runs/{id}")).RootElement.GetProperty("status").GetString() is "queued" or "running")
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Run {id} did not finish.");
            await Task.Delay(100);
        }
        // The table reads the store: wait for the finished row to be written (every 0.5 s).
        deadline = DateTime.UtcNow.AddSeconds(10);
        while (!(await http.GetStringAsync($"api/runs/history?search={id}")).Contains("\"isFinished\":true"))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Run {id} is not in the store.");
            await Task.Delay(100);
        }
    }
}
