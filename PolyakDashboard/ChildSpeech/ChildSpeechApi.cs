using Microsoft.AspNetCore.Http.Features;
using PolyakCore.Text;
using PolyakDashboard.Security;

namespace PolyakDashboard.ChildSpeech;

/// <summary>Corpora, model presets and checkpoints over HTTP. Uploads come as a raw body or a multipart form
/// file; each is validated whole before it is stored, so a bad file never replaces a good one.</summary>
public static class ChildSpeechApi
{
    public static RouteGroupBuilder MapChildSpeechApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/corpora", (TextLibraries libraries) => Results.Ok(libraries.Corpora.List()));
        api.MapGet("/corpora/child-speech/floor", BuiltInCorpus);
        api.MapGet("/presets", () => Results.Ok(GptPreset.All));
        api.MapGet("/experiments/1d/polyak-ladder", (PolyakLadderService ladder) => ladder.Ladder is { } measured
            ? Results.Ok(new PolyakLadderView(measured, ladder.Finding))
            : Results.Problem(statusCode: 404, title: "No measurement", detail: $"This server has no {PolyakLadderService.RelativePath}; run 'polyak-ladder' to make one."));
        api.MapGet("/checkpoints", (TextLibraries libraries) => Results.Ok(libraries.Checkpoints.List().Select(CheckpointView.Of)));
        api.MapGet("/checkpoints/{name}", (string name, TextLibraries libraries) =>
            libraries.Checkpoints.List().FirstOrDefault(c => c.Name == name) is { } found
                ? Results.Ok(CheckpointView.Of(found))
                : Results.Problem(statusCode: 404, title: "Unknown checkpoint", detail: $"There is no checkpoint '{name}'."));

        // Mutating endpoints, grouped so an authorization policy can be applied to them in one place.
        var uploads = app.MapGroup("/api");
        // The body types each upload takes (RequestGuard refuses others with 415; JSON is not among them).
        uploads.MapPost("/corpora", UploadCorpusAsync).WithMetadata(new UploadTypes("text/plain", "application/octet-stream", "multipart/form-data"));
        uploads.MapPost("/checkpoints", UploadCheckpointAsync).WithMetadata(new UploadTypes("application/octet-stream", "multipart/form-data"));
        return uploads;
    }

    /// <summary>The built-in corpus drawn with the settings given (e.g. <c>?zipf=1&amp;perLine=4,3,2,1&amp;phrase=Hi&amp;phrase=Bye</c>):
    /// its exact entropy floor and n-gram reference.</summary>
    private static IResult BuiltInCorpus(double? zipf, string? perLine, string[]? phrase, int? seed)
    {
        double[]? weights = null;
        if (!string.IsNullOrWhiteSpace(perLine))
        {
            var parts = perLine.Split(',', StringSplitOptions.TrimEntries);
            weights = new double[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                if (!double.TryParse(parts[i], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out weights[i]))
                    return Bad("perLine", $"'{parts[i]}' is not a number; give comma-separated weights of lines of 1, 2, 3, … phrases, e.g. 4,3,2,1.");
        }
        var generator = new ChildSpeechGenerator { Zipf = zipf ?? 0, PhrasesPerLine = weights, Phrases = phrase is { Length: > 0 } ? phrase : null };
        if (generator.Problems() is { Count: > 0 } problems)
            return Results.ValidationProblem(problems.GroupBy(p => p.Field).ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray()), title: problems[0].Message);
        // Not through the library's caches: anyone may ask, and every setting asked for would stay in memory.
        var corpus = TextCorpus.ChildSpeech(seed ?? 0, generator: generator);
        return Results.Ok(new CorpusInfo(corpus.Name, corpus.Description, corpus.Lines, corpus.Text.Length, corpus.Tokenizer.Size,
            corpus.EntropyFloor, BuiltIn: true, NGramReference.Of(corpus)));
    }

    private static async Task<IResult> UploadCorpusAsync(string? name, HttpRequest http, TextLibraries libraries)
    {
        var (bytes, fileName, error) = await ReadUploadAsync(http, libraries.Corpora.MaxBytes, "corpus");
        if (error is not null) return error;
        name ??= fileName is null ? null : Path.GetFileNameWithoutExtension(fileName);
        if (string.IsNullOrWhiteSpace(name)) return Bad("name", "Name the corpus: ?name=my-corpus.");
        if (name != ChildSpeechCorpus.Name && libraries.Corpora.Exists(name)) return Taken("name", CorpusLibrary.TakenMessage(name));   // the built-in one: 400 below
        try { return Results.Created($"/api/corpora/{name}", libraries.Corpora.Save(name, bytes!)); }
        catch (CorpusException e) { return Bad("corpus", e.Message); }
    }

    private static async Task<IResult> UploadCheckpointAsync(string? name, HttpRequest http, TextLibraries libraries)
    {
        var (bytes, fileName, error) = await ReadUploadAsync(http, libraries.MaxCheckpointBytes, "checkpoint");
        if (error is not null) return error;
        name ??= fileName is null ? null : Path.GetFileNameWithoutExtension(fileName);
        if (string.IsNullOrWhiteSpace(name)) return Bad("name", "Name the checkpoint: ?name=my-model.");
        if (libraries.Checkpoints.Exists(name)) return Taken("name", CheckpointLibrary.TakenMessage(name));
        try
        {
            using var stream = new MemoryStream(bytes!);
            var info = libraries.Checkpoints.Import(name, stream, libraries.MaxCheckpointBytes);
            return Results.Created($"/api/checkpoints/{name}", CheckpointView.Of(info));
        }
        catch (CheckpointException e) { return Bad("checkpoint", e.Message); }
    }

    /// <summary>The body (or the first form file), refused past <paramref name="limit"/> with 413.</summary>
    private static async Task<(byte[]? Bytes, string? FileName, IResult? Error)> ReadUploadAsync(HttpRequest http, long limit, string what)
    {
        var sizeFeature = http.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false }) sizeFeature.MaxRequestBodySize = limit + 64 * 1024;   // room for form framing
        string limitText = $"{limit / 1024.0 / 1024.0:F0} MB";
        if (http.ContentLength > limit + 64 * 1024) return (null, null, TooLarge(what, limitText));
        try
        {
            if (http.HasFormContentType)
            {
                var form = await http.ReadFormAsync();
                var file = form.Files.FirstOrDefault();
                if (file is null) return (null, null, Bad(what, $"Attach the {what} as a file."));
                if (file.Length > limit) return (null, null, TooLarge(what, limitText));
                using var memory = new MemoryStream();
                await file.CopyToAsync(memory);
                return (memory.ToArray(), file.FileName, null);
            }
            using var body = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = await http.Body.ReadAsync(buffer)) > 0)
            {
                if (body.Length + read > limit) return (null, null, TooLarge(what, limitText));
                body.Write(buffer, 0, read);
            }
            if (body.Length == 0) return (null, null, Bad(what, $"The {what} is empty."));
            return (body.ToArray(), null, null);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, null, TooLarge(what, limitText));
        }
        catch (InvalidDataException e)
        {
            return (null, null, Bad(what, $"The upload could not be read: {e.Message}"));
        }
    }

    private static IResult Bad(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: message);

    // 409: the request is fine but the name is someone else's (a trained run's, a shipped one, an earlier upload).
    private static IResult Taken(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: message, statusCode: StatusCodes.Status409Conflict);

    private static IResult TooLarge(string what, string limit) => Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge,
        title: $"The {what} is too large", detail: $"The upload limit for a {what} is {limit}.");
}

/// <summary>A checkpoint in lists: its name, file size, whether it ships with the app, and its metadata.</summary>
public sealed record CheckpointView(string Name, long Bytes, bool Shipped, CheckpointMetadata Metadata, long Parameters)
{
    public static CheckpointView Of(CheckpointInfo c) => new(c.Name, c.Bytes, c.Shipped, c.Metadata, c.Metadata.Model.ParameterCount);
}

/// <summary>The shipped Polyak-step measurement and the sentences the 1d page renders from it.</summary>
public sealed record PolyakLadderView(PolyakCore.Training.PolyakLadder Ladder, IReadOnlyList<string> Finding);
