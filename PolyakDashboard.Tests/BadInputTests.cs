using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using PolyakDashboard.Runs;

namespace PolyakDashboard.Tests;

/// <summary>The app for bad inputs: a small import limit, so an oversized upload is cheap to send. It keeps one
/// finished run, so calls on a known id reach their validation.</summary>
public sealed class BadInputFactory : IAsyncLifetime
{
    public const int ImportLimit = 20_000;
    public DashboardFactory Factory { get; } = new() { Settings = new Dictionary<string, string> { ["Runs:MaxImportBytes"] = ImportLimit.ToString() } };
    public string KnownRun { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var client = Factory.CreateClient();
        var response = await client.PostAsJsonAsync("/api/runs", new { problem = "quadratic", batchSize = 100, epochs = 1 });
        KnownRun = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        while ((await client.GetFromJsonAsync<JsonElement>($"/api/runs/{KnownRun}")).GetProperty("status").GetString() is "queued" or "running")
            await Task.Delay(50);
    }

    public async Task DisposeAsync() => await Factory.DisposeAsync();
}

/// <summary>Nothing anyone sends brings the server down: every bad input gets a 4xx and a message naming what is
/// wrong, and the server answers normally right after.</summary>
public class BadInputTests(BadInputFactory app) : IClassFixture<BadInputFactory>
{
    private const string Run = "/api/runs";
    private static readonly string Huge = "{\"problem\": \"quadratic\", \"label\": \"" + new string('x', 100_000) + "\"}";
    private static readonly string Deep = new string('[', 5000) + new string(']', 5000);

    /// <summary>(case, method, path, body, expected status, text the answer must contain). "{known}" is a finished run's id.</summary>
    public static TheoryData<string, string, string, string?, int, string> Cases => new()
    {
        // POST /api/runs: the one RunValidation, reported per field as ProblemDetails.
        { "NaN learning rate", "POST", Run, """{ "optimizer": "sgd", "optimizerOptions": { "lr": "NaN" } }""", 400, "optimizerOptions.lr" },
        { "+∞ learning rate", "POST", Run, """{ "optimizer": "sgd", "optimizerOptions": { "lr": "Infinity" } }""", 400, "finite" },
        { "−∞ noise", "POST", Run, """{ "problem": "noisy-linear", "problemOptions": { "noise": "-Infinity" } }""", 400, "problemOptions.noise" },
        { "NaN start", "POST", Run, """{ "problem": "two-well", "problemOptions": { "start": ["NaN", 1] } }""", 400, "problemOptions.start" },
        { "negative epochs", "POST", Run, """{ "epochs": -5 }""", 400, "Epochs must be between 1 and" },
        { "zero epochs", "POST", Run, """{ "epochs": 0 }""", 400, "epochs" },
        { "zero batch", "POST", Run, """{ "batchSize": 0 }""", 400, "Batch size must be at least 1" },
        { "negative batch", "POST", Run, """{ "batchSize": -3 }""", 400, "batchSize" },
        { "batch larger than the data", "POST", Run, """{ "batchSize": 5000 }""", 400, "larger than the data" },
        { "huge epochs", "POST", Run, """{ "epochs": 2000000000 }""", 400, "epochs" },
        { "epochs beyond int", "POST", Run, """{ "epochs": 1e30 }""", 400, "epochs" },
        { "huge data", "POST", Run, """{ "problemOptions": { "points": 2000000000 } }""", 400, "Points must be between" },
        { "epochs × data over the limit", "POST", Run, """{ "epochs": 100000, "problemOptions": { "points": 1000000 }, "batchSize": 1000000 }""", 400, "point evaluations per run" },
        { "huge learning rate", "POST", Run, """{ "optimizer": "sgd", "optimizerOptions": { "lr": 1e300 } }""", 400, "Too large" },
        { "far-away start", "POST", Run, """{ "problem": "two-well", "problemOptions": { "start": [1e300, 0] } }""", 400, "within ±1e6" },
        { "beta1 = 1", "POST", Run, """{ "optimizer": "adam", "optimizerOptions": { "beta1": 1 } }""", 400, "beta1" },
        { "negative cap", "POST", Run, """{ "optimizer": "sps-max", "optimizerOptions": { "maxStep": -1 } }""", 400, "The cap must be positive" },
        { "too many backtracks", "POST", Run, """{ "optimizer": "armijo-sgd", "optimizerOptions": { "maxBacktracks": 100000 } }""", 400, "maxBacktracks" },
        { "wrong type: text epochs", "POST", Run, """{ "epochs": "ten" }""", 400, "epochs" },
        { "wrong type: number problem", "POST", Run, """{ "problem": 5 }""", 400, "problem" },
        { "wrong type: options as array", "POST", Run, """{ "optimizerOptions": [1, 2] }""", 400, "optimizerOptions" },
        { "wrong type: bool batch", "POST", Run, """{ "batchSize": true }""", 400, "batchSize" },
        { "missing problem (null)", "POST", Run, """{ "problem": null }""", 400, "Unknown problem" },
        { "unknown problem", "POST", Run, """{ "problem": "cubic" }""", 400, "Unknown problem 'cubic'" },
        { "unknown optimizer", "POST", Run, """{ "optimizer": "lbfgs" }""", 400, "Unknown optimizer 'lbfgs'" },
        { "unknown reduction", "POST", Run, """{ "reduction": "median" }""", 400, "reduction" },
        { "unknown field", "POST", Run, """{ "epochz": 3 }""", 400, "Unknown field" },
        { "malformed JSON", "POST", Run, """{ "problem": "quadratic", """, 400, "body" },
        { "empty body", "POST", Run, "", 400, "A JSON body is required" },
        { "JSON null", "POST", Run, "null", 400, "A JSON object is required" },
        { "JSON array", "POST", Run, "[1, 2, 3]", 400, "body" },
        { "nested 5000 deep", "POST", Run, Deep, 400, "body" },
        { "oversized body", "POST", Run, Huge, 413, "limited to 64 KB" },
        // Experiments.
        { "unknown experiment", "POST", "/api/experiments/9z/runs", null, 404, "Unknown experiment" },
        { "experiment: negative epochs", "POST", "/api/experiments/1a/runs", """{ "epochs": -1 }""", 400, "epochs" },
        { "experiment: unknown optimizer", "POST", "/api/experiments/1b/runs", """{ "optimizers": ["nope"] }""", 400, "nope" },
        { "experiment: wrong type", "POST", "/api/experiments/1c/runs", """{ "batchSizes": "all" }""", 400, "batchSizes" },
        // Unknown ids and bad queries.
        { "unknown run", "GET", "/api/runs/no-such-run", null, 404, "There is no run" },
        { "unknown run: metrics", "GET", "/api/runs/no-such-run/metrics", null, 404, "There is no run" },
        { "unknown run: cancel", "DELETE", "/api/runs/no-such-run", null, 404, "There is no run" },
        { "unknown run: annotate", "PUT", "/api/runs/no-such-run/annotations", """{ "tags": [] }""", 404, "There is no run" },
        { "very long id", "GET", "/api/runs/" + new string('a', 3000), null, 404, "There is no run" },
        { "unknown metrics format", "GET", "/api/runs/{known}/metrics?format=xml", null, 400, "format=csv" },
        { "annotations: wrong type", "PUT", "/api/runs/{known}/annotations", """{ "tags": "a,b" }""", 400, "tags" },
        { "annotations: too many tags", "PUT", "/api/runs/{known}/annotations", "{ \"tags\": [" + string.Join(",", Enumerable.Range(0, 40).Select(i => $"\"t{i}\"")) + "] }", 400, "tags" },
        // Uploads (import).
        { "import: malformed JSON", "POST", "/api/runs/import", "{ \"format\": ", 400, "body" },
        { "import: empty document", "POST", "/api/runs/import", "{}", 400, "format" },
        { "import: missing run", "POST", "/api/runs/import", """{ "format": "polyak-run", "version": 1 }""", 400, "The run is missing" },
        { "import: wrong types", "POST", "/api/runs/import", """{ "format": "polyak-run", "version": "one" }""", 400, "version" },
        { "import: oversized", "POST", "/api/runs/import", "{ \"format\": \"" + new string('x', BadInputFactory.ImportLimit + 10) + "\" }", 413, "Body too large" },
        // The explorer's race and the sign-in.
        { "race: zero batch", "GET", "/api/explorer/race?batch=0", null, 400, "batch" },
        { "race: not a number", "GET", "/api/explorer/race?x=abc", null, 400, "is not a number" },
        { "race: unknown optimizer", "GET", "/api/explorer/race?opt=nope", null, 400, "Unknown optimizer" },
        { "sign-in: not JSON", "POST", "/api/presenter/session", "key=1", 400, "key" },
        { "sign-in: wrong key", "POST", "/api/presenter/session", """{ "key": "guess" }""", 401, "not the presenter key" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task EachBadInputGetsA4xxWithAClearMessageAndTheServerKeepsServing(string name, string method, string path, string? body, int status, string text)
    {
        var client = app.Factory.CreateClient();
        var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{known}", app.KnownRun));
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        var response = await client.SendAsync(request);
        string answer = await response.Content.ReadAsStringAsync();

        Assert.True(status == (int)response.StatusCode, $"{name}: expected {status}, got {(int)response.StatusCode}: {answer}");
        Assert.Contains("application/problem+json", response.Content.Headers.ContentType?.ToString() ?? "");
        Assert.Contains(text, answer);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/experiments")).StatusCode);
    }

    /// <summary>Bad hub calls fail that call only: the connection stays up and the next good call works.</summary>
    public static TheoryData<string, string, object?[]> HubCases => new()
    {
        { "Subscribe(null)", "Subscribe", [null] },
        { "Subscribe([])", "Subscribe", [Array.Empty<string>()] },
        { "Subscribe(65 runs)", "Subscribe", [Enumerable.Range(0, 65).Select(i => $"r{i}").ToArray()] },
        { "Subscribe(a null id)", "Subscribe", [new string?[] { null }] },
        { "Subscribe(a 5000-character id)", "Subscribe", [new[] { new string('a', 5000) }] },
        { "Subscribe(a string, not an array)", "Subscribe", ["run-1"] },
        { "Subscribe(a number)", "Subscribe", [42] },
        { "Subscribe(an object)", "Subscribe", [new { runIds = "x" }] },
        { "Subscribe(two arguments)", "Subscribe", [new[] { "a" }, new[] { "b" }] },
        { "Subscribe()", "Subscribe", [] },
        { "an unknown method", "DropDatabase", [] },
        { "ShowPage(another site)", "ShowPage", ["https://evil.example/", null] },
        { "ShowPage(a protocol-relative URL)", "ShowPage", ["//evil.example/", null] },
        { "ShowPage(a huge path)", "ShowPage", ["/" + new string('a', 10_000), null] },
        { "ShowPage(null)", "ShowPage", [null, null] },
    };

    [Theory]
    [MemberData(nameof(HubCases))]
    public async Task EachBadHubCallFailsAloneAndTheConnectionKeepsWorking(string name, string method, object?[] args)
    {
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(app.Factory.Server.BaseAddress, TrainingHub.Path), o => o.HttpMessageHandlerFactory = _ => app.Factory.Server.CreateHandler())
            .AddJsonProtocol(o => PolyakJson.Configure(o.PayloadSerializerOptions))
            .Build();
        await hub.StartAsync();
        var error = await Assert.ThrowsAsync<HubException>(() => hub.InvokeCoreAsync(method, typeof(object), args));
        Assert.False(string.IsNullOrWhiteSpace(error.Message), name);

        Assert.Equal(HubConnectionState.Connected, hub.State);
        var snapshot = Assert.Single(await hub.InvokeAsync<RunSnapshot[]>("Subscribe", new[] { app.KnownRun }));
        Assert.Equal(app.KnownRun, snapshot.RunId);
        Assert.Empty(await hub.InvokeAsync<RunSnapshot[]>("Subscribe", new[] { "no-such-run" }));   // unknown ids: nothing to show, no error
    }
}
