using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using PolyakCore.Training;
using PolyakDashboard.Api;
using PolyakDashboard.Security;

namespace PolyakDashboard.Tests;

/// <summary>The OpenAPI document at /openapi/v1.json against the app itself: every API call that is mapped is in it,
/// described (summary, body, answers, errors, the presenter requirement), and the document's schemas hold for real
/// bodies and answers — validated with JsonSchema.Net 8.0.5 (JSON Schema 2020-12, which OpenAPI 3.1's schemas are).</summary>
public class ApiDocsTests : IClassFixture<DashboardFactory>
{
    private readonly DashboardFactory _factory;
    private readonly Lazy<Task<JsonObject>> _document;

    public ApiDocsTests(DashboardFactory factory)
    {
        _factory = factory;
        _document = new(async () => JsonNode.Parse(await factory.CreateClient().GetStringAsync(ApiDocs.DocumentPath))!.AsObject());
    }

    [Fact]
    public async Task EveryMappedApiCallIsInTheDocumentDescribed()
    {
        var document = await _document.Value;
        var paths = document["paths"]!.AsObject();
        var problems = new List<string>();
        var mapped = ApiEndpoints().ToList();
        Assert.True(mapped.Count >= 25, $"only {mapped.Count} API endpoints found");
        foreach (var (method, pattern, presenter) in mapped)
        {
            string where = $"{method} {pattern}";
            if (paths[pattern]?[method.ToLowerInvariant()] is not JsonObject operation) { problems.Add($"{where}: not in the document"); continue; }
            if (!ApiDescriptions.All.ContainsKey(ApiDescriptions.Key(method, pattern)))
                problems.Add($"{where}: no line in ApiDescriptions (its body and answers)");
            if (string.IsNullOrEmpty((string?)operation["summary"])) problems.Add($"{where}: no summary");
            var responses = operation["responses"]?.AsObject() ?? [];
            var success = responses.Where(r => r.Key.StartsWith('2')).ToList();
            if (success.Count == 0) problems.Add($"{where}: no success answer");
            foreach (var (status, response) in success)
                if (status != "204" && response?["content"] is not JsonObject { Count: > 0 }) problems.Add($"{where}: answer {status} has no content");
            foreach (var (status, response) in responses.Where(r => r.Key[0] is '4' or '5'))
                if (response?["content"]?["application/problem+json"]?["schema"]?["$ref"] is null)
                    problems.Add($"{where}: error {status} is not a ProblemDetails");
            bool secured = operation["security"] is JsonArray { Count: > 0 } security
                && security.Any(r => r?[ApiDocs.KeyScheme] is not null);
            if (presenter != secured) problems.Add($"{where}: presenter-only is {presenter}, the document says {secured}");
            if (presenter && responses["401"] is null) problems.Add($"{where}: presenter-only without its 401");
            if (method is not "GET" && responses["403"] is null) problems.Add($"{where}: changes something without the cross-site 403");
            var described = ApiDescriptions.All.GetValueOrDefault(ApiDescriptions.Key(method, pattern));
            if (described?.Body is not null && operation["requestBody"] is null) problems.Add($"{where}: its body is not described");
        }
        // And no line of the table describes a call that does not exist (a typo would describe nothing).
        var keys = mapped.Select(m => ApiDescriptions.Key(m.Method, m.Pattern)).ToHashSet();
        problems.AddRange(ApiDescriptions.All.Keys.Where(k => !keys.Contains(k)).Select(k => $"{k}: described but not mapped"));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task ThePresenterKeyIsASecuritySchemeAndTheErrorsAreProblemDetails()
    {
        var document = await _document.Value;
        var key = document["components"]!["securitySchemes"]![ApiDocs.KeyScheme]!;
        Assert.Equal("apiKey", (string?)key["type"]);
        Assert.Equal("header", (string?)key["in"]);
        Assert.Equal(Presenter.Header, (string?)key["name"]);
        var schemas = document["components"]!["schemas"]!.AsObject();
        Assert.NotNull(schemas["ProblemDetails"]);
        Assert.NotNull(schemas["HttpValidationProblemDetails"]);
        var start = document["paths"]!["/api/runs"]!["post"]!;
        Assert.Equal("#/components/schemas/RunRequest", (string?)start["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]);
        Assert.Equal("#/components/schemas/HttpValidationProblemDetails", (string?)start["responses"]!["400"]!["content"]!["application/problem+json"]!["schema"]!["$ref"]);
    }

    [Fact]
    public async Task ASampleRunRequestIsValidAgainstItsSchemaAndTheServerTakesIt()
    {
        var schemas = await SchemasAsync();
        var sample = ApiDescriptions.Examples[typeof(RunRequest)];
        AssertValid(schemas, "RunRequest", sample);
        // The schema has teeth: what the server refuses as JSON, it refuses too.
        AssertInvalid(schemas, "RunRequest", """{ "problem": "noisy-linear", "optimiser": "sgd" }""");          // unknown field
        AssertInvalid(schemas, "RunRequest", """{ "problem": "noisy-linear", "batchSize": "sixteen" }""");
        AssertInvalid(schemas, "RunRequest", """{ "problem": "noisy-linear", "reduction": "median" }""");
        AssertInvalid(schemas, "RunRequest", """{ "problem": "noisy-linear", "optimizerOptions": { "lr": true } }""");
        AssertValid(schemas, "RunRequest", """{ "problem": "noisy-linear", "optimizerOptions": { "lr": null, "maxStep": "Infinity" } }""");

        // The real answers to that request hold to the schemas the document gives them.
        var client = _factory.CreateClient();
        using var started = await client.PostAsync("/api/runs", new StringContent(sample, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        string accepted = await started.Content.ReadAsStringAsync();
        AssertValid(schemas, "RunAccepted", accepted);
        string id = JsonNode.Parse(accepted)!["id"]!.GetValue<string>();
        AssertValid(schemas, "RunInfo", await client.GetStringAsync($"/api/runs/{id}"));
        await client.DeleteAsync($"/api/runs/{id}");
        AssertValid(schemas, "CatalogView", await client.GetStringAsync("/api/catalog"));
        AssertValid(schemas, "PresenterRole", await client.GetStringAsync("/api/presenter"));
        using var bad = await client.PostAsync("/api/runs", new StringContent("""{ "problem": "noisy-linear", "batchSize": 0 }""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        AssertValid(schemas, "HttpValidationProblemDetails", await bad.Content.ReadAsStringAsync());
        using var unknown = await client.GetAsync("/api/runs/no-such-run");
        AssertValid(schemas, "ProblemDetails", await unknown.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AStoredEnsembleIsListedAsDocumented()
    {
        var schemas = await SchemasAsync();
        var client = _factory.CreateClient();
        const string overrides = """{ "epochs": 5, "seeds": 2 }""";
        AssertValid(schemas, "ExperimentOverrides", overrides);
        using var made = await client.PostAsync("/api/experiments/1a/runs", new StringContent(overrides, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        var list = JsonNode.Parse(await client.GetStringAsync("/api/ensembles"))!.AsArray();
        Assert.NotEmpty(list);
        foreach (var item in list) AssertValid(schemas, "EnsembleInfo", item!.ToJsonString());
    }

    [Fact]
    public async Task EveryRequestExampleIsValidAgainstItsSchema()
    {
        var schemas = await SchemasAsync();
        foreach (var (type, example) in ApiDescriptions.Examples)
        {
            AssertValid(schemas, type.Name, example);
            Assert.NotNull(schemas["$defs"]![type.Name]!["example"]);     // and the reference shows it
        }
    }

    [Fact]
    public async Task TheDocumentAndTheReferenceAreOpenToViewersAndNeverHoldTheKey()
    {
        const string key = "a-presenter-key-that-must-not-leak-7d1f";
        await using var keyed = new DashboardFactory { Settings = new Dictionary<string, string> { ["Presenter:Key"] = key } };
        var client = keyed.CreateClient(new() { AllowAutoRedirect = false });
        Assert.Equal("viewer", JsonNode.Parse(await client.GetStringAsync("/api/presenter"))!["role"]!.GetValue<string>());

        string document = await client.GetStringAsync(ApiDocs.DocumentPath);
        using var docs = await client.GetAsync(ApiDocs.ReferencePath + "/");
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        string html = await docs.Content.ReadAsStringAsync();
        // The page's scripts carry the nonce of its Content-Security-Policy; none comes from elsewhere.
        string policy = docs.Headers.GetValues("Content-Security-Policy").Single();
        string nonce = System.Text.RegularExpressions.Regex.Match(policy, "'nonce-([0-9a-f]+)'").Groups[1].Value;
        Assert.NotEmpty(nonce);
        var scripts = System.Text.RegularExpressions.Regex.Matches(html, "<script[^>]*>").Select(m => m.Value).ToList();
        Assert.Equal(3, scripts.Count);
        Assert.All(scripts, s => Assert.Contains($"nonce=\"{nonce}\"", s));
        Assert.DoesNotContain("http", string.Join(" ", scripts));
        string bootstrap = await client.GetStringAsync(ApiDocs.ReferencePath + "/scalar.aspnetcore.js");
        foreach (var text in new[] { document, html, bootstrap }) Assert.DoesNotContain(key, text);

        // Read-only: nothing but GET.
        using var post = await client.PostAsync(ApiDocs.DocumentPath, new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.False(post.IsSuccessStatusCode, $"POST to the document: {post.StatusCode}");
    }

    /// <summary>The app's API endpoints (not the reference's own): method, route pattern, presenter-only.</summary>
    private IEnumerable<(string Method, string Pattern, bool Presenter)> ApiEndpoints()
    {
        var source = _factory.Services.GetRequiredService<EndpointDataSource>();
        foreach (var endpoint in source.Endpoints.OfType<RouteEndpoint>())
        {
            string pattern = "/" + (endpoint.RoutePattern.RawText ?? "").Trim('/');       // a group's "" route ends in '/'; the document's path does not
            if (!pattern.StartsWith("/api/", StringComparison.Ordinal) || pattern.StartsWith(ApiDocs.ReferencePath, StringComparison.Ordinal)) continue;
            bool presenter = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy == Presenter.Policy);
            foreach (var method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])
                yield return (method, pattern, presenter);
        }
    }

    /// <summary>The document's component schemas as one JSON Schema: its $ref's point into $defs.</summary>
    private async Task<JsonObject> SchemasAsync()
    {
        var document = await _document.Value;
        string components = document["components"]!["schemas"]!.ToJsonString().Replace("#/components/schemas/", "#/$defs/");
        return new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = "https://polyak-dashboard.invalid/openapi/v1",
            ["$defs"] = JsonNode.Parse(components),
        };
    }

    private static EvaluationResults Evaluate(JsonObject schemas, string name, string json)
    {
        var root = schemas.DeepClone().AsObject();
        root["$id"] = $"https://polyak-dashboard.invalid/openapi/v1/{name}/{Guid.NewGuid():N}";     // one registration each
        root["$ref"] = $"#/$defs/{name}";
        var schema = JsonSchema.FromText(root.ToJsonString());
        using var instance = JsonDocument.Parse(json);
        return schema.Evaluate(instance.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
    }

    private static void AssertValid(JsonObject schemas, string name, string json)
    {
        var result = Evaluate(schemas, name, json);
        Assert.True(result.IsValid, $"{name} does not validate:\n{json}\n" + string.Join("\n",
            (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).Select(d => $"{d.InstanceLocation} ({d.EvaluationPath}): {string.Join("; ", d.Errors!.Values)}")));
    }

    private static void AssertInvalid(JsonObject schemas, string name, string json) =>
        Assert.False(Evaluate(schemas, name, json).IsValid, $"{name} validates, but should not:\n{json}");
}
