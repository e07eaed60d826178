using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using PolyakCore.Experiments;
using PolyakCore.Export;
using PolyakCore.Optimization;
using PolyakCore.Problems;
using PolyakCore.Training;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using PolyakDashboard.History;
using PolyakDashboard.Runs;
using PolyakDashboard.Security;
using PolyakDashboard.Storage;

namespace PolyakDashboard.Api;

/// <summary>The HTTP API: the contract for scripts and tests.</summary>
public static class RunsApi
{
    public const int MaxBodyBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapRunsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        // Starting, cancelling, deleting and changing runs is the presenter's (401 without the key).
        api.MapPost("/runs", StartRunAsync).RequirePresenter();
        api.MapGet("/runs", (RunService runs) => Results.Ok(runs.List().Select(RunInfo.Of)));
        api.MapGet("/runs/{id}", (string id, ClusterRuns runs) =>
            runs.Find(id) is { } run ? Results.Ok(RunInfo.Of(run)) : UnknownRun(id));
        api.MapGet("/runs/{id}/metrics", Metrics);
        api.MapDelete("/runs/{id}", DeleteAsync).RequirePresenter();
        api.MapGet("/runs/{id}/export", Export);
        // A JSON document or a zip of them (a cross-site form can send neither type).
        api.MapPost("/runs/import", ImportAsync).RequirePresenter()
            .WithMetadata(new UploadTypes("application/json", "application/zip", "application/x-zip-compressed"))
            .WithMetadata(new RequestSizeLimitAttribute(app.ServiceProvider.GetRequiredService<IOptions<RunOptions>>().Value.MaxImportBytes));
        api.MapPut("/runs/{id}/annotations", AnnotateAsync).RequirePresenter();
        api.MapGet("/experiments", () => Results.Ok(ExperimentCatalog.All));
        api.MapPost("/experiments/{id}/runs", StartExperimentAsync).RequirePresenter();
        api.MapGet("/catalog", () => Results.Ok(new
        {
            problems = ProblemCatalog.Descriptions,
            optimizers = OptimizerCatalog.Descriptions,
        }));
        return app;
    }

    private static async Task<IResult> StartRunAsync(HttpRequest http, RunService runs)
    {
        var (request, error) = await ReadJsonAsync<RunRequest>(http);
        if (error is not null) return error;
        var result = runs.Start(request!);
        // "queued": the run was accepted into the queue (a free worker may already have started it).
        return Answer(result, r => new { id = r.Runs[0].Id, status = RunStatus.Queued });
    }

    private static async Task<IResult> StartExperimentAsync(string id, HttpRequest http, RunService runs, Experiments.EnsembleService ensembles)
    {
        ExperimentOverrides? overrides = null;
        if (http.ContentLength is > 0 || http.Headers.TransferEncoding.Count > 0)
        {
            var (body, error) = await ReadJsonAsync<ExperimentOverrides>(http);
            if (error is not null) return error;
            overrides = body;
        }
        if (!ExperimentCatalog.IsKnown(id)) return Results.Problem(statusCode: 404, title: "Unknown experiment",
            detail: $"No experiment '{id}'. Known: {string.Join(", ", ExperimentCatalog.Ids)}.");
        if (overrides?.Seeds is { } seeds) return await EnsembleAsync(id, overrides, seeds, ensembles);
        var result = runs.StartExperiment(id, overrides);
        return Answer(result, r => new { runIds = r.Runs.Select(x => x.Id) });
    }

    // With "seeds": the grid over that many seeds as one batched computation (seconds), stored as a group (the caller
    // is the presenter) and answered with its summary — what the CLI writes to ensemble.json: spreads, counts, each
    // seed's summary, the findings — after the group's id; Location is the group.
    private static async Task<IResult> EnsembleAsync(string id, ExperimentOverrides overrides, int seeds, Experiments.EnsembleService ensembles)
    {
        var grid = overrides with { Seeds = null, Vary = null };
        var spec = new EnsembleSpec(seeds, overrides.Vary ?? SeedVariation.Both);
        var errors = Experiments.EnsembleService.Validate(id, grid, spec);
        if (errors.Count > 0) return Invalid(errors);
        var live = ensembles.Start(id, grid, spec);
        var ensemble = await live.Completion;
        var document = JsonSerializer.SerializeToNode(new { id = live.Id, experimentId = id, status = live.Status }, PolyakJson.Options)!.AsObject();
        foreach (var (name, value) in JsonSerializer.SerializeToNode(EnsembleFiles.Summary(ensemble.Result, live.Names, ensemble.Findings), PolyakJson.Options)!.AsObject().ToArray())
            document[name] = value?.DeepClone();
        return new Located(Results.Text(document.ToJsonString(PolyakJson.Options), "application/json", statusCode: StatusCodes.Status201Created),
            $"/api/ensembles/{live.Id}");
    }

    /// <summary>A result with a Location header.</summary>
    private sealed class Located(IResult inner, string location) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.Headers.Location = location;
            return inner.ExecuteAsync(http);
        }
    }

    private static IResult Metrics(string id, string? format, ClusterRuns runs)
    {
        if (runs.Find(id) is not { } run) return UnknownRun(id);
        format = (format ?? "json").ToLowerInvariant();
        if (format == "csv")
        {
            var csv = new StringBuilder();
            using (var writer = new StringWriter(csv)) MetricsCsv.Write(writer, run.Batches(), run.ParameterNames);
            return Results.Text(csv.ToString(), "text/csv", Encoding.UTF8);
        }
        if (format != "json") return Results.ValidationProblem(new Dictionary<string, string[]> { ["format"] = ["Use format=csv or format=json."] });
        return Results.Json(new { id, parameterNames = run.ParameterNames, batches = run.Batches(), epochs = run.Epochs() }, PolyakJson.Options);
    }

    /// <summary>Cancels a run; with purge=true deletes a finished run and its records instead.</summary>
    private static async Task<IResult> DeleteAsync(string id, bool? purge, ClusterRuns runs, RunHistory history)
    {
        if (runs.Find(id) is not { } run) return UnknownRun(id);
        if (purge != true)
        {
            await runs.CancelAsync(id);         // here, or by the instance that trains it
            return Results.Accepted($"/api/runs/{id}", new { id, status = run.Status });
        }
        if (!run.IsFinished) return Results.Problem(statusCode: 400, title: "Run not finished",
            detail: $"Run '{id}' is {Lower(run.Status)}: cancel it first (DELETE without purge), then purge it once it has ended.");
        await history.PurgeAsync(run);
        return Results.NoContent();
    }

    /// <summary>The run and every record as one JSON document, the one import takes.</summary>
    private static IResult Export(string id, ClusterRuns runs, HttpResponse response)
    {
        if (runs.Find(id) is not { } run) return UnknownRun(id);
        if (!run.IsFinished) return Results.Problem(statusCode: 409, title: "Run not finished",
            detail: $"Run '{id}' is {Lower(run.Status)}; export it when it has ended.");
        response.Headers.ContentDisposition = $"attachment; filename=\"{id}.json\"";
        return Results.Json(RunDocument.Of(run), PolyakJson.Options);
    }

    /// <summary>One exported run (application/json) or a zip of them (application/zip), as the Runs page takes them:
    /// all or nothing, every problem named by field (after its entry's name within a zip).</summary>
    private static async Task<IResult> ImportAsync(HttpRequest http, RunImporter importer, IOptions<RunOptions> options)
    {
        long limit = options.Value.MaxImportBytes;
        if (http.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = limit;
        var tooLarge = Results.Problem(statusCode: 413, title: "Body too large", detail: $"Request bodies are limited to {Size(limit)}.");
        if (http.ContentLength > limit) return tooLarge;
        bool zip = MediaTypeHeaderValue.TryParse(http.ContentType, out var type)
            && (type.MediaType.Equals("application/zip", StringComparison.OrdinalIgnoreCase) || type.MediaType.Equals("application/x-zip-compressed", StringComparison.OrdinalIgnoreCase));
        var report = await importer.ImportAsync("", http.Body, zip, allOrNothing: true, http.HttpContext.RequestAborted);
        if (report.Problems.Any(p => p.Kind == ImportProblemKind.TooLarge && p.Source.Length == 0)) return tooLarge;
        if (report.Problems.Count > 0) return Invalid(report.Problems.Select(p => p.Error with { Field = p.Key }));
        if (!zip) return Results.Created($"/api/runs/{report.Imported[0].Run.Id}", new { id = report.Imported[0].Run.Id, status = report.Imported[0].Run.Status });
        return Results.Created("/api/runs", new { runs = report.Imported.Select(i => new { id = i.Run.Id, status = i.Run.Status, source = i.Source }) });
    }

    private static async Task<IResult> AnnotateAsync(string id, HttpRequest http, RunService runs, RunHistory history)
    {
        if (runs.Get(id) is not { } run) return UnknownRun(id);
        var (annotations, error) = await ReadJsonAsync<RunAnnotations>(http);
        if (error is not null) return error;
        var errors = annotations!.Validate();
        if (errors.Count > 0) return Invalid(errors);
        var (tags, note) = annotations.Normalized();
        await history.AnnotateAsync(run, tags, note);
        return Results.Ok(RunInfo.Of(run));
    }

    private static string Lower(RunStatus status) => status.ToString().ToLowerInvariant();

    private static IResult Answer(StartResult result, Func<StartResult, object> accepted) => result.Failure switch
    {
        StartFailure.None => Results.Accepted(result.Runs.Count == 1 ? $"/api/runs/{result.Runs[0].Id}" : "/api/runs", accepted(result)),
        StartFailure.QueueFull => Results.Problem(statusCode: 429, title: "Queue full", detail: result.Errors[0].Message),
        _ => Invalid(result.Errors),
    };

    public static IResult Invalid(IEnumerable<FieldError> errors) => Results.ValidationProblem(
        errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()),
        title: "The request is not valid.");

    private static IResult UnknownRun(string id) =>
        Results.Problem(statusCode: 404, title: "Unknown run", detail: $"There is no run '{id}'.");

    /// <summary>Reads a JSON body with our options, turning every way it can be wrong into a 400 naming the field.</summary>
    internal static async Task<(T? Value, IResult? Error)> ReadJsonAsync<T>(HttpRequest http, long maxBytes = MaxBodyBytes) where T : class
    {
        var tooLarge = Results.Problem(statusCode: 413, title: "Body too large", detail: $"Request bodies are limited to {Size(maxBytes)}.");
        if (http.ContentLength > maxBytes) return (null, tooLarge);
        try
        {
            using var limited = new MemoryStream();
            var buffer = new byte[8192];
            int read;
            while ((read = await http.Body.ReadAsync(buffer, http.HttpContext.RequestAborted)) > 0)
            {
                limited.Write(buffer, 0, read);
                if (limited.Length > maxBytes) return (null, tooLarge);
            }
            if (limited.Length == 0) return (null, Invalid([new FieldError("body", "A JSON body is required.")]));
            limited.Position = 0;
            var value = await JsonSerializer.DeserializeAsync<T>(limited, PolyakJson.Options);
            return value is null ? (null, Invalid([new FieldError("body", "A JSON object is required.")])) : (value, null);
        }
        catch (JsonException e)
        {
            bool truncated = e.Message.Contains("JSON payload", StringComparison.Ordinal);
            string field = truncated || string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.');
            return (null, Invalid([new FieldError(field, JsonMessage(e))]));
        }
    }

    private static string Size(long bytes) => bytes >= 1 << 20 ? $"{bytes >> 20} MB" : $"{bytes >> 10} KB";

    private static string JsonMessage(JsonException e) =>
        e.Message.Contains("could not be mapped", StringComparison.Ordinal) ? "Unknown field: " + e.Message.Split('\'').ElementAtOrDefault(1)
        : e.Message.Split(" Path:")[0];
}
