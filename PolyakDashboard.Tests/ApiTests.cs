using System.Net;
using Microsoft.AspNetCore.Hosting;
using System.Net.Http.Json;
using System.Text.Json;

namespace PolyakDashboard.Tests;

public class ApiTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task FindingsAreTheEnsemblesStatementsAndUnknownExperimentsGet404()
    {
        using var json = JsonDocument.Parse(await _client.GetStringAsync("/api/experiments/1c/findings"));
        var root = json.RootElement;
        Assert.Equal(20, root.GetProperty("seeds").GetInt32());
        var findings = root.GetProperty("findings").EnumerateArray().ToArray();
        Assert.Equal(3, findings.Length);
        Assert.All(findings, f => Assert.True(f.GetProperty("holds").GetBoolean(), f.GetProperty("text").GetString()));
        Assert.Contains(findings, f => f.GetProperty("id").GetString() == "1c-sgd-escapes" && f.GetProperty("text").GetString()!.Contains("of 20 seeds"));
        var missing = await _client.GetAsync("/api/experiments/1d/findings");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>With seeds, each lane carries the other mini-batch orders' paths as x0/x1 arrays (once written as
    /// <c>{}</c>: a tuple's fields are not JSON properties).</summary>
    [Fact]
    public async Task TheRaceWithSeedsAnswersEveryOtherSeedsPath()
    {
        using var json = JsonDocument.Parse(await _client.GetStringAsync("/api/explorer/race?seeds=3&epochs=2&opt=sgd"));
        var lane = json.RootElement.GetProperty("lanes")[0];
        int steps = lane.GetProperty("x0").GetArrayLength();
        Assert.True(steps > 2, $"{steps} points in the first seed's path");
        var others = lane.GetProperty("otherPaths").EnumerateArray().ToArray();
        Assert.Equal(2, others.Length);
        Assert.All(others, p =>
        {
            Assert.Equal(steps, p.GetProperty("x0").GetArrayLength());
            Assert.Equal(steps, p.GetProperty("x1").GetArrayLength());
            Assert.Equal(lane.GetProperty("x0")[0].GetDouble(), p.GetProperty("x0")[0].GetDouble());   // the same start
        });
        Assert.NotEqual(lane.GetProperty("x0")[steps - 1].GetDouble(), others[0].GetProperty("x0")[steps - 1].GetDouble());
    }

    [Fact]
    public async Task AnExperimentWithSeedsAnswersWithItsEnsemble()
    {
        var response = await _client.PostAsJsonAsync("/api/experiments/1c/runs", new { seeds = 4, vary = "order", epochs = 5 });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);     // stored as a group (see EnsembleGroupTests)
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.Equal(4, root.GetProperty("seeds").GetInt32());
        Assert.Equal("order", root.GetProperty("vary").GetString());
        var configurations = root.GetProperty("configurations").EnumerateArray().ToArray();
        Assert.Equal(8, configurations.Length);
        Assert.Equal("1c-b2-polyak-sgd", configurations[0].GetProperty("name").GetString());
        Assert.All(configurations, c => Assert.Equal(4, c.GetProperty("runs").GetArrayLength()));
        Assert.All(configurations, c => Assert.Equal(4, c.GetProperty("wells").EnumerateObject().Sum(w => w.Value.GetInt32())));
        Assert.Equal(3, root.GetProperty("findings").GetArrayLength());

        var bad = await _client.PostAsJsonAsync("/api/experiments/1c/runs", new { seeds = 0 });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("\"seeds\"", await bad.Content.ReadAsStringAsync());
        var text = await _client.PostAsJsonAsync("/api/experiments/1d/runs", new { seeds = 3 });
        Assert.Equal(HttpStatusCode.BadRequest, text.StatusCode);
        Assert.Contains("small experiments", await text.Content.ReadAsStringAsync());
    }

    /// <summary>Issue 21 through the API: the fixes grid is the experiment "1b-fixes" (its findings, its ensemble with
    /// overrides), and the catalogue lists the new optimizers.</summary>
    [Fact]
    public async Task TheFixesForFStarAreAnExperimentOfTheirOwn()
    {
        using var catalog = JsonDocument.Parse(await _client.GetStringAsync("/api/catalog"));
        var optimizers = catalog.RootElement.GetProperty("optimizers").EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Superset(new HashSet<string> { "decsps", "adasps", "sgd-momentum", "momo", "momo-star", "momo-adam" }, optimizers.ToHashSet());
        using var experiments = JsonDocument.Parse(await _client.GetStringAsync("/api/experiments"));
        Assert.Contains(experiments.RootElement.EnumerateArray(), e => e.GetProperty("id").GetString() == "1b-fixes");

        var response = await _client.PostAsJsonAsync("/api/experiments/1b-fixes/runs", new { seeds = 3, epochs = 5, batchSizes = new[] { 256 } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);      // stored as a group, like every presenter ensemble
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var names = json.RootElement.GetProperty("configurations").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(["1b-fixes-s5-b256-polyak-sgd", "1b-fixes-s5-b256-sps-max", "1b-fixes-s5-b256-decsps", "1b-fixes-s5-b256-adasps",
            "1b-fixes-s5-b256-momo", "1b-fixes-s5-b256-momo-star", "1b-fixes-s5-b256-sgd", "1b-fixes-s5-b256-adam"], names);
        Assert.Contains(json.RootElement.GetProperty("findings").EnumerateArray(), f => f.GetProperty("id").GetString() == "1b-fixes-within-floor");

        using var findings = JsonDocument.Parse(await _client.GetStringAsync("/api/experiments/1b-fixes/findings"));
        var statements = findings.RootElement.GetProperty("findings").EnumerateArray().ToArray();
        Assert.All(statements, f => Assert.True(f.GetProperty("holds").GetBoolean(), f.GetProperty("text").GetString()));
        Assert.Contains(statements, f => f.GetProperty("text").GetString()!.Contains("Of the published fixes, SPS_max does not fix it here"));

        var bad = await _client.PostAsJsonAsync("/api/experiments/1b-fixes/runs", new { seeds = 3, optimizers = new[] { "momo-plus" } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("\"optimizer\"", await bad.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task QuadraticRunCompletesWithOneMetricsRowPerStep()
    {
        var id = await StartAsync(new { problem = "quadratic", optimizer = "polyak-sgd", batchSize = 100, epochs = 30 });
        var run = await WaitAsync(id);
        Assert.Equal("completed", run.GetProperty("status").GetString());
        Assert.Equal(300, run.GetProperty("totalSteps").GetInt32());
        var parameters = run.GetProperty("summary").GetProperty("parameters").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(2.0, parameters[1], 0.05);

        var csv = await _client.GetStringAsync($"/api/runs/{id}/metrics?format=csv");
        var lines = csv.Trim().Split('\n');
        Assert.Equal("step,epoch,loss,stepSize,gradNormSq,seconds,w1,w2,b", lines[0].Trim());
        Assert.Equal(301, lines.Length);
        Assert.StartsWith("300,30,", lines[^1]);

        using var json = JsonDocument.Parse(await _client.GetStringAsync($"/api/runs/{id}/metrics?format=json"));
        Assert.Equal(300, json.RootElement.GetProperty("batches").GetArrayLength());
        Assert.Equal(31, json.RootElement.GetProperty("epochs").GetArrayLength());
    }

    [Fact]
    public async Task BadRequestsGet400NamingEachField()
    {
        var response = await _client.PostAsJsonAsync("/api/runs", new { problem = "quadratic", batchSize = 0, optimizer = "nope", optimizerOptions = new { lr = -1 } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var fields = body.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order().ToArray();
        Assert.Equal(["batchSize", "optimizer", "optimizerOptions.lr"], fields);
    }

    [Theory]
    [InlineData("{\"problem\": \"quadratic\", \"batchSise\": 3}", "batchSise")]
    [InlineData("{\"problem\": \"quadratic\", \"batchSize\": \"many\"}", "batchSize")]
    [InlineData("{\"problem\": \"quadratic\", \"optimizerOptions\": {\"lr\": \"NaN\"}}", "optimizerOptions.lr")]
    [InlineData("{\"problem\": \"quadratic\", \"optimizerOptions\": {\"lr\": \"-Infinity\"}}", "optimizerOptions.lr")]
    [InlineData("{\"problem\": \"two-well\", \"problemOptions\": {\"start\": [1, 2, 3]}}", "problemOptions.start")]
    [InlineData("{\"problem\": ", "body")]
    [InlineData("", "body")]
    [InlineData("[1, 2]", "body")]
    public async Task MalformedBodiesGet400WithTheField(string body, string field)
    {
        var response = await _client.PostAsync("/api/runs", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(json.RootElement.GetProperty("errors").TryGetProperty(field, out _), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UnknownIdsGet404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/runs/no-such-run")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/runs/no-such-run/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.DeleteAsync("/api/runs/no-such-run")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.PostAsync("/api/experiments/9z/runs", null)).StatusCode);
    }

    [Fact]
    public async Task CancelStopsALongRun()
    {
        var id = await StartAsync(new { problem = "noisy-linear", optimizer = "sgd", batchSize = 1, epochs = 2000 });
        JsonElement run;
        try
        {
            await WaitAsync(id, until: r => r.GetProperty("step").GetInt32() > 0);
        }
        finally
        {
            // Cancel whatever happened above: a 2,000,000-step run must not hold the queue for the other tests.
            Assert.Equal(HttpStatusCode.Accepted, (await _client.DeleteAsync($"/api/runs/{id}")).StatusCode);
        }
        run = await WaitAsync(id);
        Assert.Equal("cancelled", run.GetProperty("status").GetString());
        Assert.True(run.GetProperty("step").GetInt32() < 2_000_000);
    }

    [Fact]
    public async Task DivergingRunEndsAsDivergedAndTheServerKeepsServing()
    {
        var id = await StartAsync(new { problem = "noisy-linear", optimizer = "sgd", optimizerOptions = new { lr = 10 }, batchSize = 16, epochs = 100 });
        var run = await WaitAsync(id);
        Assert.Equal("diverged", run.GetProperty("status").GetString());
        Assert.Contains("Diverged at step", run.GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/api/experiments")).StatusCode);
    }

    [Fact]
    public async Task ExperimentStartsItsWholeGrid()
    {
        var response = await _client.PostAsJsonAsync("/api/experiments/1c/runs", new { epochs = 2 });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var ids = body.RootElement.GetProperty("runIds").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal(8, ids.Length);
        foreach (var id in ids) Assert.Equal("completed", (await WaitAsync(id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task FullQueueSaysSoAndNothingOfTheGridIsQueued()
    {
        // Its own app with a queue of 5, so other tests' runs cannot make this flaky.
        using var small = factory.WithWebHostBuilder(b => b.UseSetting("Runs:MaxQueueLength", "5"));
        var client = small.CreateClient();
        var response = await client.PostAsJsonAsync("/api/experiments/1b/runs", new { epochs = 1 });   // 24 runs
        Assert.Equal((HttpStatusCode)429, response.StatusCode);
        Assert.Contains("queue is full", await response.Content.ReadAsStringAsync());
        using var runs = JsonDocument.Parse(await client.GetStringAsync("/api/runs"));
        // A grid starts whole or not at all (other tests' runs may share this app's store, but none is 1b).
        Assert.DoesNotContain(runs.RootElement.EnumerateArray(), r => r.TryGetProperty("experimentId", out var e) && e.GetString() == "1b");
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/runs", new { problem = "quadratic", epochs = 1 })).StatusCode);
    }

    [Fact]
    public async Task CatalogueListsEveryExperimentWithDefaults()
    {
        using var body = JsonDocument.Parse(await _client.GetStringAsync("/api/experiments"));
        var ids = body.RootElement.EnumerateArray().Select(e => e.GetProperty("id").GetString()!).ToArray();
        Assert.Equal(["1a", "1b", "1c", "1d", "1d-tune", "1e", "1b-fixes", "1e-fixes"], ids);
        Assert.Equal(8, body.RootElement[6].GetProperty("runs").GetArrayLength());    // the fixes for f* at σ = 5
        Assert.Equal(10, body.RootElement[7].GetProperty("runs").GetArrayLength());
        Assert.Equal(15, body.RootElement[4].GetProperty("runs").GetArrayLength());   // the report's three 1d grids
        Assert.Equal(24, body.RootElement[1].GetProperty("runs").GetArrayLength());
    }

    private async Task<string> StartAsync(object request)
    {
        var response = await _client.PostAsJsonAsync("/api/runs", request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("queued", body.RootElement.GetProperty("status").GetString());
        return body.RootElement.GetProperty("id").GetString()!;
    }

    private async Task<JsonElement> WaitAsync(string id, Func<JsonElement, bool>? until = null)
    {
        until ??= r => r.GetProperty("status").GetString() is not ("queued" or "running");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var run = JsonDocument.Parse(await _client.GetStringAsync($"/api/runs/{id}")).RootElement;
            if (until(run)) return run;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Run {id} is still {run.GetProperty("status")}.");
            await Task.Delay(50);
        }
    }
}
