using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
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
        { "child speech: a sequence too long to cancel", "POST", Run, """{ "problem": "child-speech", "problemOptions": { "text": { "preset": "report", "block": 1024 } } }""", 400, "problemOptions.text.block" },
        { "unknown API path", "GET", "/api/nothing-here", null, 404, "There is no API call /api/nothing-here" },
        { "a method the path does not take", "PATCH", "/api/runs", """{ }""", 405, "PATCH is not one of the methods" },
        { "child speech: the report's model for days", "POST", Run, """{ "problem": "child-speech", "batchSize": 512, "epochs": 1000, "problemOptions": { "text": { "preset": "report" } } }""", 400, "parameter-characters of work" },
        { "child speech: more steps than the limit", "POST", Run, """{ "problem": "child-speech", "batchSize": 1, "epochs": 1000, "problemOptions": { "text": { "preset": "tiny", "block": 8 } } }""", 400, "the limit is 5,000,000" },
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

    private const string Evil = "Origin: http://evil.example";
    private const string Json = "application/json", Text = "text/plain", Form = "application/x-www-form-urlencoded", Bytes = "application/octet-stream";
    private const string AnyRun = """{ "problem": "quadratic", "batchSize": 100, "epochs": 1 }""";

    /// <summary>(case, method, path, headers "Name: value|…", content type, body, status, text the answer must contain).
    /// This app has no presenter key and is "on localhost": each of these was obeyed as the local presenter's before.</summary>
    public static TheoryData<string, string, string, string, string?, string?, int, string> HostileCases => new()
    {
        // DNS rebinding: another name pointed at 127.0.0.1 reaches the server with its own Host.
        { "rebinding: who am I", "GET", "/api/presenter", "Host: evil.example:5000", null, null, 400, "Unknown host" },
        { "rebinding: purge a run", "DELETE", "/api/runs/{known}?purge=true", "Host: evil.example:5000", null, null, 400, "Unknown host" },
        { "rebinding: start a run", "POST", Run, "Host: evil.example", Json, AnyRun, 400, "evil.example" },
        { "rebinding: a page", "GET", "/", "Host: rebind.attacker.test", null, null, 400, "Security:Hosts" },
        // Another site's page in the local user's browser.
        { "cross-site simple POST (text/plain)", "POST", Run, Evil, Text, AnyRun, 403, "Cross-site request refused" },
        { "cross-site JSON POST", "POST", Run, Evil, Json, AnyRun, 403, "Origin: http://evil.example" },
        { "cross-site: Origin null (sandboxed page)", "POST", Run, "Origin: null", Json, AnyRun, 403, "Cross-site" },
        { "cross-site: another port on localhost", "POST", Run, "Origin: http://localhost:8080", Json, AnyRun, 403, "Cross-site" },
        { "cross-site: https origin for an http server", "POST", Run, "Origin: https://localhost", Json, AnyRun, 403, "Cross-site" },
        { "cross-site: only a Referer", "POST", Run, "Referer: http://evil.example/page.html", Json, AnyRun, 403, "Referer" },
        { "cross-site: Sec-Fetch-Site", "POST", Run, "Sec-Fetch-Site: cross-site", Json, AnyRun, 403, "Sec-Fetch-Site" },
        { "cross-site: same-site is not same-origin", "POST", Run, "Sec-Fetch-Site: same-site", Json, AnyRun, 403, "Sec-Fetch-Site" },
        { "cross-site cancel", "DELETE", "/api/runs/{known}", Evil, null, null, 403, "Cross-site" },
        { "cross-site purge", "DELETE", "/api/runs/{known}?purge=true", Evil, null, null, 403, "Cross-site" },
        { "cross-site annotation", "PUT", "/api/runs/{known}/annotations", Evil, Json, """{ "tags": ["pwned"] }""", 403, "Cross-site" },
        { "cross-site experiment grid", "POST", "/api/experiments/1a/runs", Evil, null, null, 403, "Cross-site" },
        { "cross-site corpus upload", "POST", "/api/corpora?name=evil-corpus", Evil, Text, "Mama up\n", 403, "Cross-site" },
        { "cross-site checkpoint upload", "POST", "/api/checkpoints?name=evil-model", Evil, Bytes, "POLYAK", 403, "Cross-site" },
        { "cross-site import", "POST", "/api/runs/import", Evil, Text, "{}", 403, "Cross-site" },
        { "cross-site sign-out", "DELETE", "/api/presenter/session", Evil, null, null, 403, "Cross-site" },
        { "cross-site hub negotiate", "POST", TrainingHub.Path + "/negotiate?negotiateVersion=1", Evil, null, null, 403, "live connection" },
        { "cross-site hub long polling", "GET", TrainingHub.Path + "?id=anything", Evil, null, null, 403, "live connection" },
        { "cross-site Blazor circuit", "POST", "/_blazor/negotiate?negotiateVersion=1", Evil, null, null, 403, "live connection" },
        // Bodies of a type the endpoint does not take (what a cross-site form can send, with no Origin in old browsers).
        { "run as text/plain", "POST", Run, "", Text, AnyRun, 415, "application/json" },
        { "run as a form", "POST", Run, "", Form, "problem=quadratic", 415, "application/json" },
        { "run without a content type", "POST", Run, "", null, AnyRun, 415, "no Content-Type" },
        { "experiment: text/plain without a body", "POST", "/api/experiments/1a/runs", "", Text, null, 415, "application/json" },
        { "annotation as text/plain", "PUT", "/api/runs/{known}/annotations", "", Text, """{ "tags": ["x"] }""", 415, "application/json" },
        { "import as text/plain", "POST", "/api/runs/import", "", Text, "{}", 415, "application/json" },
        { "sign-in as a form", "POST", "/api/presenter/session", "", Form, "key=guess", 415, "application/json" },
        { "corpus as a form", "POST", "/api/corpora?name=form-corpus", "", Form, "Mama up", 415, "text/plain or application/octet-stream or multipart/form-data" },
        { "corpus as JSON", "POST", "/api/corpora?name=json-corpus", "", Json, "\"Mama up\"", 415, "text/plain" },
        { "checkpoint as text/plain", "POST", "/api/checkpoints?name=text-model", "", Text, "POLYAK", 415, "application/octet-stream or multipart/form-data" },
    };

    [Theory]
    [MemberData(nameof(HostileCases))]
    public async Task EachHostileRequestIsRefusedAndChangesNothing(string name, string method, string path, string headers, string? type, string? body, int status, string text)
    {
        var client = app.Factory.CreateClient();
        var before = await client.GetStringAsync("/api/runs");
        var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{known}", app.KnownRun));
        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            if (type is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
        }
        else if (type is not null)
        {
            request.Content = new ByteArrayContent([]);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
        }
        foreach (var header in headers.Split('|', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = (header[..header.IndexOf(':')], header[(header.IndexOf(':') + 1)..].Trim());
            if (key == "Host") request.Headers.Host = value;
            else request.Headers.TryAddWithoutValidation(key, value);
        }
        var response = await client.SendAsync(request);
        string answer = await response.Content.ReadAsStringAsync();

        Assert.True(status == (int)response.StatusCode, $"{name}: expected {status}, got {(int)response.StatusCode}: {answer}");
        Assert.Contains("application/problem+json", response.Content.Headers.ContentType?.ToString() ?? "");
        Assert.Contains(text, answer);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal(before, await client.GetStringAsync("/api/runs"));                     // nothing started, cancelled, purged or annotated
        Assert.DoesNotContain("evil", await client.GetStringAsync("/api/corpora"));
        Assert.DoesNotContain("-model", await client.GetStringAsync("/api/checkpoints"));
    }

    /// <summary>The same requests from the dashboard's own pages (same origin) and from scripts (no browser headers) still work.</summary>
    [Fact]
    public async Task SameOriginPagesAndScriptsStillDriveTheLocalDashboard()
    {
        var client = app.Factory.CreateClient();
        foreach (var headers in new[] { new string[0], ["Origin: http://localhost"], ["Origin: http://localhost", "Sec-Fetch-Site: same-origin", "Referer: http://localhost/1a"] })
        {
            var request = new HttpRequestMessage(HttpMethod.Post, Run) { Content = new StringContent(AnyRun, Encoding.UTF8, "application/json") };
            foreach (var h in headers) request.Headers.TryAddWithoutValidation(h.Split(": ")[0], h.Split(": ")[1]);
            var response = await client.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{string.Join(", ", headers)}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        var corpus = new HttpRequestMessage(HttpMethod.Post, "/api/corpora?name=same-origin-corpus") { Content = new StringContent(PolyakCore.Text.ChildSpeechCorpus.Generate(50, seed: 1), Encoding.UTF8, "text/plain") };
        corpus.Headers.TryAddWithoutValidation("Origin", "http://localhost");
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(corpus)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/presenter")).StatusCode);
        var asHost = new HttpRequestMessage(HttpMethod.Get, "/api/presenter");
        asHost.Headers.Host = "127.0.0.1:5000";
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(asHost)).StatusCode);
        asHost = new HttpRequestMessage(HttpMethod.Get, "/api/presenter");
        asHost.Headers.Host = "[::1]:5000";
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(asHost)).StatusCode);
    }

    /// <summary>Another site's request is never the local presenter, even where it changes nothing.</summary>
    [Fact]
    public async Task ACrossSiteRequestIsAViewerEvenFromThisMachine()
    {
        var client = app.Factory.CreateClient();
        Assert.Equal("presenter", (await client.GetFromJsonAsync<JsonElement>("/api/presenter")).GetProperty("role").GetString());
        var foreign = new HttpRequestMessage(HttpMethod.Get, "/api/presenter");
        foreign.Headers.TryAddWithoutValidation("Origin", "http://evil.example");
        var answer = await (await client.SendAsync(foreign)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("viewer", answer.GetProperty("role").GetString());
    }

    /// <summary>A WebSocket to the hub from another site's page is refused at the handshake (it could call Cancel and ShowPage before).</summary>
    [Fact]
    public async Task AHubWebSocketFromAnotherSiteIsRefused()
    {
        var sockets = app.Factory.Server.CreateWebSocketClient();
        sockets.ConfigureRequest = r => r.Headers.Origin = "http://evil.example";
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => sockets.ConnectAsync(new Uri(app.Factory.Server.BaseAddress, TrainingHub.Path.TrimStart('/')), default));
        Assert.Contains("403", refused.Message);

        await using var foreign = new HubConnectionBuilder()
            .WithUrl(new Uri(app.Factory.Server.BaseAddress, TrainingHub.Path), o =>
            {
                o.HttpMessageHandlerFactory = _ => app.Factory.Server.CreateHandler();
                o.Headers["Origin"] = "http://evil.example";
            })
            .Build();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => foreign.StartAsync());
        Assert.Contains("403", error.Message);
    }

    /// <summary>Pages carry a policy that allows this server's scripts and the one inline import map (by nonce), and nothing else.</summary>
    [Fact]
    public async Task PagesCarryAContentSecurityPolicyWithTheImportMapsNonce()
    {
        var page = await app.Factory.CreateClient().GetAsync("/");
        string html = await page.Content.ReadAsStringAsync();
        string policy = page.Headers.GetValues("Content-Security-Policy").Single();
        var nonce = System.Text.RegularExpressions.Regex.Match(policy, "'nonce-([^']+)'").Groups[1].Value;
        Assert.NotEmpty(nonce);
        Assert.Contains($"<script type=\"importmap\" nonce=\"{nonce}\"", html);
        Assert.Contains("script-src 'self' 'nonce-", policy);
        Assert.DoesNotContain("unsafe-eval", policy);
        Assert.Contains("frame-ancestors 'none'", policy);
        Assert.Contains("connect-src 'self' ws://localhost", policy);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        var second = await app.Factory.CreateClient().GetAsync("/");
        Assert.DoesNotContain(nonce, second.Headers.GetValues("Content-Security-Policy").Single());    // a fresh nonce per page
    }

    /// <summary>"problemOptions": null (and "optimizerOptions": null) mean the defaults, in a new run and in an imported
    /// one, whose figures then export (before: 500 in ProblemCatalog and TextTrainer, and an SVG export that failed for good).</summary>
    [Fact]
    public async Task NullOptionsMeanTheDefaultsEverywhere()
    {
        var client = app.Factory.CreateClient();
        var quadratic = await client.PostAsync(Run, new StringContent("""{ "problem": "quadratic", "problemOptions": null, "optimizerOptions": null, "batchSize": 100, "epochs": 1 }""", Encoding.UTF8, "application/json"));
        Assert.True(quadratic.StatusCode == HttpStatusCode.Accepted, await quadratic.Content.ReadAsStringAsync());
        string id = (await quadratic.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var text = await client.PostAsync(Run, new StringContent("""{ "problem": "child-speech", "problemOptions": null, "batchSize": 32, "epochs": 1 }""", Encoding.UTF8, "application/json"));
        Assert.True(text.StatusCode == HttpStatusCode.Accepted, await text.Content.ReadAsStringAsync());
        await client.DeleteAsync($"{Run}/{(await text.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()}");
        JsonElement info;
        while ((info = await client.GetFromJsonAsync<JsonElement>($"{Run}/{id}")).GetProperty("status").GetString() is "queued" or "running") await Task.Delay(20);
        Assert.Equal("completed", info.GetProperty("status").GetString());

        var document = System.Text.Json.Nodes.JsonNode.Parse(await client.GetStringAsync($"{Run}/{app.KnownRun}/export"))!;
        document["run"]!["id"] = "imported-null-options";
        document["run"]!["request"]!["problemOptions"] = null;
        var imported = await client.PostAsync($"{Run}/import", new StringContent(document.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.True(imported.StatusCode == HttpStatusCode.Created, await imported.Content.ReadAsStringAsync());
        var figures = await client.GetAsync($"{Run}/export?ids=imported-null-options&format=svg");
        Assert.True(figures.StatusCode == HttpStatusCode.OK, await figures.Content.ReadAsStringAsync());
    }

    /// <summary>An imported run document is data: a corpusPath in its request is refused, never a file to read.</summary>
    [Fact]
    public async Task AnImportedRunNamingAFileOnThisServerIsRefused()
    {
        var client = app.Factory.CreateClient();
        var document = System.Text.Json.Nodes.JsonNode.Parse(await client.GetStringAsync($"{Run}/{app.KnownRun}/export"))!;
        document["run"]!["id"] = "imported-corpus-path";
        document["run"]!["request"]!["problem"] = "child-speech";
        document["run"]!["request"]!["problemOptions"] = System.Text.Json.Nodes.JsonNode.Parse("""{ "text": { "corpusPath": "/etc/passwd" } }""");
        var imported = await client.PostAsync($"{Run}/import", new StringContent(document.ToJsonString(), Encoding.UTF8, "application/json"));
        string answer = await imported.Content.ReadAsStringAsync();
        Assert.True(imported.StatusCode == HttpStatusCode.BadRequest, answer);
        Assert.Contains("run.request.problemOptions.text.corpusPath", answer);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"{Run}/imported-corpus-path")).StatusCode);
    }

    /// <summary>A checkpoint's header is checked before anything is allocated: a 151M-parameter header with no weights
    /// (before: 13.5 s of CPU and 0.7 GB before the 400) and a parameter count that overflows 64 bits (before: it wrapped
    /// past the cap and torch was asked for 206 GB, a 500) are refused at once.</summary>
    [Theory]
    [InlineData("151M parameters, no weights", 2048, 3, "header declares 151,")]
    [InlineData("a count that wraps round to a negative one in 64 bits", 32768, 1 << 30, "impossible model")]
    public async Task ACheckpointHeaderIsValidatedBeforeAnythingIsAllocated(string name, int width, int layers, string message)
    {
        var metadata = new PolyakCore.Text.CheckpointMetadata
        {
            Model = new PolyakCore.Text.GptConfig(12, width, 1, layers, 128, 0), Vocabulary = "\n abcdefghij", Optimizer = "sgd", Corpus = "test",
        };
        var header = JsonSerializer.SerializeToUtf8Bytes(metadata, PolyakJson.Options);
        var file = new MemoryStream();
        file.Write("POLYAK-GPT-CHECKPOINT\n"u8);
        file.Write(BitConverter.GetBytes(header.Length));
        file.Write(header);
        file.Write(new byte[1000]);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var response = await app.Factory.CreateClient().PostAsync("/api/checkpoints?name=header-only", new ByteArrayContent(file.ToArray()));
        string answer = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{name}: {(int)response.StatusCode} {answer}");
        Assert.Contains(message, answer);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"{name}: {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>An override grid too large for the queue is refused before its requests are built (before: 300 noises ×
    /// 300 batch sizes, a 3.7 KB body, built 180,000 requests, 1.6 s and 130 MB, before the 429).</summary>
    [Fact]
    public async Task AnOverrideGridTooLargeForTheQueueIsRefusedBeforeItIsBuilt()
    {
        string body = JsonSerializer.Serialize(new
        {
            noises = Enumerable.Range(0, 300).Select(i => i / 100.0), batchSizes = Enumerable.Range(1, 300), optimizers = new[] { "sgd", "polyak-sgd" },
        });
        var response = await app.Factory.CreateClient().PostAsync("/api/experiments/1b/runs", new StringContent(body, Encoding.UTF8, "application/json"));
        string answer = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Contains("This grid is 180,000 runs or more", answer);        // said by the check that comes before the grid is built
    }

    /// <summary>Runs cancelled while queued leave the queue's count at once: they do not hold places a new run needs.</summary>
    [Fact]
    public async Task CancelledQueuedRunsDoNotCountTowardTheQueueLimit()
    {
        await using var small = new DashboardFactory { Settings = new Dictionary<string, string> { ["Runs:MaxQueueLength"] = "3", ["Runs:MaxConcurrentRuns"] = "1" } };
        var client = small.CreateClient();
        async Task<(HttpStatusCode Status, string? Id)> Start(int epochs)
        {
            var response = await client.PostAsJsonAsync(Run, new { problem = "noisy-linear", optimizer = "sgd", batchSize = 1, epochs });
            return (response.StatusCode, response.IsSuccessStatusCode ? (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString() : null);
        }
        var (_, busy) = await Start(2000);                                   // holds the one worker
        while ((await client.GetFromJsonAsync<JsonElement>($"{Run}/{busy}")).GetProperty("status").GetString() == "queued") await Task.Delay(20);
        var queued = new List<string>();
        for (int i = 0; i < 3; i++) queued.Add((await Start(1)).Id!);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Start(1)).Status);   // full
        foreach (var id in queued) Assert.Equal(HttpStatusCode.Accepted, (await client.DeleteAsync($"{Run}/{id}")).StatusCode);
        for (int i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.Accepted, (await Start(1)).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Start(1)).Status);   // and full again with live ones
        await client.DeleteAsync($"{Run}/{busy}");
    }

    /// <summary>A call that fails inside the server is a 500 ProblemDetails that names no internals, not the pages' HTML
    /// (here: the run store throws when asked for an unknown id).</summary>
    [Fact]
    public async Task AFailureInsideTheServerIsA500ProblemDetailsForApiCalls()
    {
        await using var broken = new DashboardFactory
        {
            Configure = b => b.ConfigureServices(s => s.AddSingleton<IRunArchive, BrokenArchive>()),
        };
        foreach (var environment in new[] { "Development", "Production" })
        {
            var client = broken.WithWebHostBuilder(b => b.UseEnvironment(environment)).CreateClient();
            var response = await client.GetAsync("/api/runs/not-in-memory");
            string answer = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("Internal server error", answer);
            Assert.DoesNotContain("disk on fire", answer);                       // the exception's text stays in the log
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/runs")).StatusCode);
        }
    }

    private sealed class BrokenArchive : IRunArchive
    {
        public LiveRun? Find(string id) => throw new IOException("disk on fire");
        public bool Contains(string id) => false;
    }

    /// <summary>A name with a trailing newline ("$" in the name pattern let it through) is refused, and no file is
    /// stored under it (before: a 500, with evil\n.ckpt and nl\n.txt on disk).</summary>
    [Theory]
    [InlineData("%0A")]
    [InlineData("%0D%0A")]
    [InlineData("%00")]
    public async Task NamesWithATrailingControlCharacterAreRefusedAndNothingIsStored(string tail)
    {
        var client = app.Factory.CreateClient();
        using var model = new PolyakCore.Text.CharGpt(new PolyakCore.Text.GptConfig(12, 16, 2, 1, 16, 0), seed: 3);
        var path = Path.Combine(Path.GetTempPath(), $"nl-{Guid.NewGuid():N}.ckpt");
        PolyakCore.Text.Checkpoint.Save(path, model, new PolyakCore.Text.CheckpointMetadata { Model = model.Config, Vocabulary = "\n abcdefghij", Optimizer = "sgd", Corpus = "test" });
        var bytes = await File.ReadAllBytesAsync(path);
        File.Delete(path);

        var checkpoint = await client.PostAsync($"/api/checkpoints?name=evil{tail}", new ByteArrayContent(bytes));
        Assert.Equal(HttpStatusCode.BadRequest, checkpoint.StatusCode);
        Assert.Contains("not a usable checkpoint name", await checkpoint.Content.ReadAsStringAsync());
        var corpus = await client.PostAsync($"/api/corpora?name=nl{tail}", new StringContent(PolyakCore.Text.ChildSpeechCorpus.Generate(50, seed: 2), Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.BadRequest, corpus.StatusCode);
        Assert.Contains("name", await corpus.Content.ReadAsStringAsync());

        foreach (var folder in new[] { app.Factory.CheckpointFolder, Path.Combine(Path.GetDirectoryName(app.Factory.DatabasePath)!, "corpora") })
            if (Directory.Exists(folder))
                Assert.DoesNotContain(Directory.GetFiles(folder), f => Path.GetFileName(f).Any(char.IsControl));
        Assert.DoesNotContain("evil", await client.GetStringAsync("/api/checkpoints"));
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
