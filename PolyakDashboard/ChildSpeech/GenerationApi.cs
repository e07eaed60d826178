using PolyakCore.Text;
using PolyakCore.Training;
using PolyakDashboard.Api;

namespace PolyakDashboard.ChildSpeech;

/// <summary>The body of <c>POST /api/generate</c>: one checkpoint (or up to three side by side) and the sampling settings;
/// every setting is optional (defaults as in <see cref="SamplingSettings"/>; no seed = a random one, reported back).</summary>
public sealed record GenerationRequest
{
    public string? Checkpoint { get; init; }
    public IReadOnlyList<string>? Checkpoints { get; init; }
    public string? Prompt { get; init; }
    public double? Temperature { get; init; }
    public int? TopK { get; init; }
    public double? TopP { get; init; }
    public int? MaxNewCharacters { get; init; }
    public int? Samples { get; init; }
    public int? Seed { get; init; }
    public bool? StopAtEndOfLine { get; init; }
    public int? TopCandidates { get; init; }
    public bool? UseCache { get; init; }

    public IReadOnlyList<string> CheckpointNames => [.. (Checkpoint is null ? [] : new[] { Checkpoint }).Concat(Checkpoints ?? [])];

    public SamplingSettings ToSettings()
    {
        var d = new SamplingSettings();
        return new SamplingSettings
        {
            Prompt = Prompt ?? d.Prompt, Temperature = Temperature ?? d.Temperature, TopK = TopK, TopP = TopP,
            MaxNewCharacters = MaxNewCharacters ?? d.MaxNewCharacters, Samples = Samples ?? d.Samples,
            Seed = Seed ?? Random.Shared.Next(), StopAtEndOfLine = StopAtEndOfLine ?? d.StopAtEndOfLine,
            TopCandidates = TopCandidates ?? d.TopCandidates, UseCache = UseCache ?? d.UseCache,
        };
    }
}

/// <summary>Generation over HTTP, for scripts and tests: the whole text(s) as one JSON answer. The page streams through
/// its own circuit instead, from the same <see cref="GenerationService"/>.</summary>
public static class GenerationApi
{
    /// <summary>Maps <c>POST /api/generate</c> in a group of its own (heavy: a rate limit or an authorization policy
    /// goes on the returned group).</summary>
    public static RouteGroupBuilder MapGenerationApi(this IEndpointRouteBuilder app)
    {
        var heavy = app.MapGroup("/api");
        heavy.MapPost("/generate", GenerateAsync);
        return heavy;
    }

    private static async Task<IResult> GenerateAsync(HttpRequest http, GenerationService generation)
    {
        var (request, error) = await RunsApi.ReadJsonAsync<GenerationRequest>(http);
        if (error is not null) return error;
        var checkpoints = request!.CheckpointNames;
        try
        {
            return Results.Ok(await generation.GenerateAsync(checkpoints, request.ToSettings(), cancel: http.HttpContext.RequestAborted));
        }
        catch (GenerationException e) when (e.Refusal == GenerationRefusal.UnknownCheckpoint)
        {
            return Results.Problem(statusCode: 404, title: "Unknown checkpoint", detail: e.Message);
        }
        catch (GenerationException e) when (e.Refusal == GenerationRefusal.Busy)
        {
            http.HttpContext.Response.Headers.RetryAfter = "5";
            return Results.Problem(statusCode: 429, title: "Busy", detail: e.Message);
        }
        catch (GenerationException e)
        {
            return RunsApi.Invalid(e.Errors);
        }
        catch (OperationCanceledException) when (http.HttpContext.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty;                                   // the client has gone
        }
    }
}
