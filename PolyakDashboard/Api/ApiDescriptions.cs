using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using PolyakCore.Experiments;
using PolyakCore.Explorer;
using PolyakCore.Text;
using PolyakCore.Training;
using PolyakDashboard.ChildSpeech;
using PolyakDashboard.Experiments;
using PolyakDashboard.History;
using PolyakDashboard.Runs;
using PolyakDashboard.Storage;

namespace PolyakDashboard.Api;

/// <summary>What each API call takes and answers, for the OpenAPI document: the handlers read their bodies themselves
/// (to name every bad field) and answer with <see cref="IResult"/>s, which the document cannot see into.</summary>
/// <remarks>Keyed by method and route pattern. A new endpoint gets a line here; ApiDocsTests fail on an API call the
/// document does not describe. Presenter-only calls (<c>.RequirePresenter()</c>) get their 401 and the security
/// requirement from their metadata, every call that changes something its 403 (cross-site) and 415 (body type) —
/// <see cref="ApiDocs"/> adds those.</remarks>
public static class ApiDescriptions
{
    /// <summary>An answer: a status, what it means, and its body (none for null).</summary>
    public sealed record Answer(int Status, string Description, Type? Body = null, string ContentType = "application/json");

    /// <summary>One call: its group in the reference, a summary, its body and its answers.</summary>
    public sealed record Operation(string Tag, string Summary, string? Description = null)
    {
        public Type? Body { get; init; }
        public IReadOnlyList<string> BodyTypes { get; init; } = ["application/json"];
        public bool BodyRequired { get; init; } = true;
        public IReadOnlyList<Answer> Answers { get; init; } = [];
    }

    private const string Runs = "Runs", History = "Run history", Experiments = "Experiments", ChildSpeech = "Child speech",
        Presenter = "Presenter", Explorer = "Explorer";

    private static Answer Ok<T>(string description, int status = 200) => new(status, description, typeof(T));
    private static Answer Problem(int status, string description) => new(status, description, typeof(ProblemDetails), "application/problem+json");
    private static Answer Invalid(string description) => new(400, description, typeof(HttpValidationProblemDetails), "application/problem+json");
    private static Answer UnknownRun => Problem(404, "No run has that id.");

    public static IReadOnlyDictionary<string, Operation> All { get; } = new Dictionary<string, Operation>
    {
        ["POST /api/runs"] = new(Runs, "Start a run", "Validates the request and queues the run; follow it with GET /api/runs/{id} or the hub.")
        {
            Body = typeof(RunRequest),
            Answers = [Ok<RunAccepted>("Queued.", 202), Invalid("Names each bad field."), Problem(413, "The body is over 64 KB."),
                Problem(429, "The queue is full (Runs:MaxQueueLength).")],
        },
        ["GET /api/runs"] = new(Runs, "List the runs") { Answers = [Ok<IReadOnlyList<RunInfo>>("Every run the server knows, with status and progress.")] },
        ["GET /api/runs/{id}"] = new(Runs, "One run: status, progress, summary") { Answers = [Ok<RunInfo>("The run."), UnknownRun] },
        ["GET /api/runs/{id}/metrics"] = new(Runs, "A run's records", "format=json (default) adds the per-epoch full-data losses; format=csv is metrics.csv.")
        {
            Answers = [Ok<RunMetrics>("The per-batch and per-epoch records."), new(200, "format=csv: metrics.csv.", typeof(string), "text/csv"),
                Invalid("An unknown format."), UnknownRun],
        },
        ["DELETE /api/runs/{id}"] = new(Runs, "Cancel a run, or purge a finished one", "Without purge: cancels (a run ends within a second). purge=true deletes a finished run and its records.")
        {
            Answers = [Ok<RunAccepted>("Cancelling.", 202), new(204, "Purged."), Problem(400, "purge=true on a run that has not ended."), UnknownRun],
        },
        ["GET /api/runs/{id}/export"] = new(Runs, "Export a run as one JSON document", "The document POST /api/runs/import takes: request, status, timings, summary, tags, note, every record.")
        {
            Answers = [Ok<RunDocument>("The run's document (a download)."), UnknownRun, Problem(409, "The run has not ended.")],
        },
        ["POST /api/runs/import"] = new(Runs, "Import runs", "One exported document (application/json) or a zip of them (application/zip): all or nothing.")
        {
            Body = typeof(RunDocument), BodyTypes = ["application/json", "application/zip"],
            Answers = [Ok<ImportAnswer>("Imported: a JSON body gives the run's id and status, a zip each run with its entry.", 201),
                Invalid("Names each problem, by entry and field."), Problem(413, "Over Runs:MaxImportBytes.")],
        },
        ["PUT /api/runs/{id}/annotations"] = new(Runs, "Set a run's tags and note")
        {
            Body = typeof(RunAnnotations), Answers = [Ok<RunInfo>("The run, annotated."), Invalid("Names each bad field."), UnknownRun],
        },
        ["GET /api/catalog"] = new(Runs, "The problems and optimizers") { Answers = [Ok<CatalogView>("Each with a one-line description.")] },

        ["GET /api/runs/history"] = new(History, "One page of the stored runs", "Search matches id, label, experiment, problem, optimizer, tags and note; newest first by default; take ≤ 500.")
        {
            Answers = [Ok<RunPage>("The rows and the total."), Invalid("Names each bad query value.")],
        },
        ["GET /api/runs/compare"] = new(History, "Comparison lines of several runs", "Each run's loss, step-size, epoch-loss (and validation-loss) lines, min/max decimated, with wall time and step per point.")
        {
            Answers = [Ok<IReadOnlyList<RunChartData>>("One entry per run."), Invalid("Names each bad query value."), Problem(404, "A run id is unknown.")],
        },
        ["GET /api/runs/export"] = new(History, "Export finished runs as files", "format=json for one run is its import document; several, or csv, come as a zip; svg: a zip of their figures.")
        {
            Answers = [Ok<RunDocument>("One run, format=json."), new(200, "A zip of the runs' files or figures.", typeof(byte[]), "application/zip"),
                Invalid("Names each bad query value."), Problem(404, "A run id is unknown."), Problem(409, "A run has not ended.")],
        },

        ["GET /api/experiments"] = new(Experiments, "The experiments", "Each experiment with every run's request and defaults.")
        {
            Answers = [Ok<IReadOnlyList<Experiment>>("The catalogue.")],
        },
        ["POST /api/experiments/{id}/runs"] = new(Experiments, "Run an experiment's grid",
            "Optional overrides. With \"seeds\": N (1a, 1b, 1c, 1e) the grid runs over N seeds as one batched computation, stored as an ensemble, and the answer is its document (ensemble.json after the ensemble's id).")
        {
            Body = typeof(ExperimentOverrides), BodyRequired = false,
            Answers = [Ok<ExperimentAccepted>("The runs, queued.", 202),
                Ok<JsonElement>("With seeds: the stored ensemble's document (id, experimentId, status, then spreads, counts, each seed's summary, findings); Location is /api/ensembles/{id}.", 201),
                Invalid("Names each bad field."), Problem(404, "No such experiment."), Problem(429, "The queue is full.")],
        },
        ["GET /api/experiments/{id}/findings"] = new(Experiments, "An experiment's findings over 20 seeds", "Computed once per server (1a, 1b, 1c, 1e).")
        {
            Answers = [Ok<ExperimentFindings>("Each finding: its claim, the sentence with the numbers, whether they bear it out."), Problem(404, "The experiment has no findings.")],
        },

        ["GET /api/ensembles"] = new(Experiments, "The stored ensembles", "Made by the presenter's experiment runs with \"seeds\" and the pages' \"Run over seeds\".")
        {
            Answers = [Ok<IReadOnlyList<EnsembleInfo>>("Each ensemble without its curves or per-seed summaries.")],
        },
        ["GET /api/ensembles/{id}"] = new(Experiments, "One stored ensemble", "Its list entry, then its ensemble.json (spreads, counts, each seed's summary, findings); while it computes, progress (0–1).")
        {
            Answers = [Ok<JsonElement>("The ensemble's document."), Problem(404, "No such ensemble.")],
        },
        ["GET /api/ensembles/{id}/export"] = new(Experiments, "Export an ensemble", "A zip of ensemble.json, ensemble.csv and epochs.csv, as the CLI writes them.")
        {
            Answers = [new(200, "The zip.", typeof(byte[]), "application/zip"), Problem(404, "No such ensemble."), Problem(409, "It has not ended, or ended without results.")],
        },
        ["DELETE /api/ensembles/{id}"] = new(Experiments, "Cancel or delete an ensemble", "Cancels one still computing; deletes a finished one with its curves.")
        {
            Answers = [Ok<RunAccepted>("Cancelling.", 202), new(204, "Deleted."), Problem(404, "No such ensemble."), Problem(409, "Not finished and not computing here.")],
        },

        ["GET /api/corpora"] = new(ChildSpeech, "The corpora") { Answers = [Ok<IReadOnlyList<CorpusInfo>>("Name, lines, characters, vocabulary, entropy floor, n-gram reference.")] },
        ["POST /api/corpora"] = new(ChildSpeech, "Upload a corpus", "UTF-8 text, one utterance per line (20 MB at most); never replaces a corpus.")
        {
            Body = typeof(string), BodyTypes = ["text/plain", "application/octet-stream", "multipart/form-data"],
            Answers = [Ok<CorpusInfo>("Stored.", 201), Invalid("Why the corpus or name is refused."), Problem(409, "The name is taken."), Problem(413, "Over the size limit.")],
        },
        ["GET /api/corpora/child-speech/floor"] = new(ChildSpeech, "The built-in corpus with generator settings",
            "Query: zipf (0–4), perLine (weights of lines of 1, 2, 3, … phrases, e.g. 4,3,2,1), phrase (repeated: a phrase list), seed. Its exact entropy floor and n-gram reference.")
        {
            Answers = [Ok<CorpusInfo>("The corpus as the list shows it."), Invalid("Names each bad setting.")],
        },
        ["GET /api/experiments/1d/polyak-ladder"] = new(ChildSpeech, "Polyak step vs model size, measured",
            "f, ‖g‖² and the Polyak step over the first steps of Polyak SGD for GPT sizes from tiny to the report's, batch 16 and 32 (the shipped measurement).")
        {
            Answers = [Ok<PolyakDashboard.ChildSpeech.PolyakLadderView>("Every rung's steps and the finding's sentences."), Problem(404, "No measurement shipped.")],
        },
        ["GET /api/presets"] = new(ChildSpeech, "The model presets") { Answers = [Ok<IReadOnlyList<GptPreset>>("tiny, small, report.")] },
        ["GET /api/checkpoints"] = new(ChildSpeech, "The checkpoints") { Answers = [Ok<IReadOnlyList<CheckpointView>>("Each with its metadata.")] },
        ["GET /api/checkpoints/{name}"] = new(ChildSpeech, "One checkpoint") { Answers = [Ok<CheckpointView>("The checkpoint and its metadata."), Problem(404, "No such checkpoint.")] },
        ["POST /api/checkpoints"] = new(ChildSpeech, "Upload a checkpoint", "Loaded and validated before it is stored (64 MB at most); never replaces one.")
        {
            Body = typeof(byte[]), BodyTypes = ["application/octet-stream", "multipart/form-data"],
            Answers = [Ok<CheckpointView>("Stored.", 201), Invalid("Why the file or name is refused."), Problem(409, "The name is taken."), Problem(413, "Over the size limit.")],
        },
        ["POST /api/generate"] = new(ChildSpeech, "Generate text", "From one checkpoint, or up to three side by side with the same prompt and seed.")
        {
            Body = typeof(GenerationRequest),
            Answers = [Ok<GenerationOutcome>("Each checkpoint's samples, with characters, seconds, characters per second and the time to the first one."),
                Invalid("Names each bad field."), Problem(404, "An unknown checkpoint."), Problem(429, "Busy, or past a viewer's rate limit.")],
        },

        ["POST /api/presenter/session"] = new(Presenter, "Sign in as presenter", "Sets an HttpOnly, SameSite=Strict cookie holding an HMAC of the key (not the key).")
        {
            Body = typeof(PresenterSignIn),
            Answers = [Ok<PresenterRole>("Signed in (only role is set)."), Invalid("The body is not { \"key\": … }."), Problem(401, "A wrong key."),
                Problem(429, "Over 10 attempts or 10 wrong keys a minute from this address.")],
        },
        ["DELETE /api/presenter/session"] = new(Presenter, "Sign out") { Answers = [new(204, "The cookie is removed.")] },
        ["GET /api/presenter"] = new(Presenter, "Who am I, and where is the presenter") { Answers = [Ok<PresenterRole>("The caller's role and the presenter's page.")] },

        ["GET /api/explorer/race"] = new(Explorer, "The two-well explorer's race", "Every optimizer's path from one start; the query is the explorer page's own URL query.")
        {
            Answers = [Ok<RaceResult>("Each optimizer's lane."), Invalid("Names each bad value."), Problem(429, "Past a viewer's rate limit.")],
        },
    };

    /// <summary>An example of each request body, shown by the reference and filled into its "Test Request" form
    /// (ApiDocsTests validate each against its schema and send the run request to the server).</summary>
    public static IReadOnlyDictionary<Type, string> Examples { get; } = new Dictionary<Type, string>
    {
        [typeof(RunRequest)] = """
            { "problem": "noisy-linear", "problemOptions": { "noise": 1.0 },
              "optimizer": "sps-max", "optimizerOptions": { "c": 0.5, "maxStep": 1.0 },
              "batchSize": 16, "epochs": 100, "seed": 0, "reduction": "mean" }
            """,
        [typeof(ExperimentOverrides)] = """{ "epochs": 100, "batchSizes": [16, 256], "seeds": 20, "vary": "both" }""",
        [typeof(RunAnnotations)] = """{ "tags": ["lecture 3"], "note": "SPS_max settles; plain Polyak does not." }""",
        [typeof(GenerationRequest)] = """
            { "checkpoints": ["1d-tiny-b16-sgd-best", "1d-tiny-b16-adam-best"], "prompt": "", "temperature": 0.8,
              "topK": 20, "topP": 0.95, "maxNewCharacters": 300, "samples": 2, "seed": 42, "stopAtEndOfLine": false }
            """,
    };

    /// <summary>What the request guard and the presenter policy answer, on the calls they apply to.</summary>
    public static IReadOnlyDictionary<int, string> Guarded { get; } = new Dictionary<int, string>
    {
        [401] = "Not the presenter: send X-Presenter-Key (or sign in).",
        [403] = "Refused: sent from another site's page (Origin, Referer or Sec-Fetch-Site).",
        [415] = "A body of a type this call does not take.",
        [429] = "Too many requests: over a rate limit, or 10 wrong presenter keys a minute from this address.",
    };

    /// <summary>True for an endpoint behind the presenter policy (<c>.RequirePresenter()</c>).</summary>
    public static bool IsPresenterOnly(IEnumerable<object> endpointMetadata) =>
        endpointMetadata.OfType<Microsoft.AspNetCore.Authorization.IAuthorizeData>().Any(a => a.Policy == Security.Presenter.Policy);

    /// <summary>The key of an endpoint in <see cref="All"/>: <c>"POST /api/runs/{id}"</c>.</summary>
    public static string Key(string method, string? routePattern) => $"{method.ToUpperInvariant()} /{routePattern?.Trim('/')}";
}

/// <summary>Puts <see cref="ApiDescriptions"/> into the endpoints' API descriptions, where the OpenAPI generator reads
/// bodies and answers: each type once under components, referenced from every call that takes or gives it.</summary>
/// <remarks>Runs after ASP.NET Core's own provider for minimal APIs (which finds the routes, route values and query
/// parameters); adds the presenter policy's 401 and the request guard's 403 and 415 where they apply.</remarks>
internal sealed class DescribedApi : IApiDescriptionProvider
{
    private static readonly ModelMetadataProvider Metadata = new EmptyModelMetadataProvider();

    public int Order => 0;      // ASP.NET Core's providers run before (-1100, -1000)

    public void OnProvidersExecuting(ApiDescriptionProviderContext context)
    {
        foreach (var api in context.Results)
        {
            string method = api.HttpMethod ?? "GET";
            bool presenter = ApiDescriptions.IsPresenterOnly(api.ActionDescriptor.EndpointMetadata);
            bool changes = !HttpMethods.IsGet(method) && !HttpMethods.IsHead(method);
            if (ApiDescriptions.All.TryGetValue(ApiDescriptions.Key(method, api.RelativePath), out var operation))
            {
                if (operation.Body is { } body && !api.ParameterDescriptions.Any(p => p.Source == BindingSource.Body))
                {
                    api.ParameterDescriptions.Add(new ApiParameterDescription
                    {
                        Name = "body", Type = body, Source = BindingSource.Body, IsRequired = operation.BodyRequired,
                        ModelMetadata = Metadata.GetMetadataForType(body),
                    });
                    api.SupportedRequestFormats.Clear();
                    foreach (var type in operation.BodyTypes) api.SupportedRequestFormats.Add(new ApiRequestFormat { MediaType = type });
                }
                api.SupportedResponseTypes.Clear();
                // One answer per status: the JSON type, under each media type it comes as (ApiDocs gives text and
                // files their own schemas).
                foreach (var status in operation.Answers.GroupBy(a => a.Status))
                {
                    var typed = status.Where(a => a.Body is not null).ToList();
                    var answer = typed.FirstOrDefault(a => a.ContentType.EndsWith("json", StringComparison.Ordinal))?.Body ?? typed.FirstOrDefault()?.Body;
                    Add(api, status.Key, answer, [.. typed.Select(a => a.ContentType).Distinct()]);
                }
            }
            if (presenter) { Guard(api, 401); Guard(api, 429); }
            if (changes) Guard(api, 403);
            if (changes && api.ParameterDescriptions.Any(p => p.Source == BindingSource.Body)) Guard(api, 415);
        }
    }

    public void OnProvidersExecuted(ApiDescriptionProviderContext context) { }

    /// <summary>A guard's ProblemDetails answer, unless the call describes that status itself.</summary>
    private static void Guard(ApiDescription api, int status)
    {
        if (!api.SupportedResponseTypes.Any(r => r.StatusCode == status)) Add(api, status, typeof(ProblemDetails), ["application/problem+json"]);
    }

    private static void Add(ApiDescription api, int status, Type? body, IReadOnlyList<string> contentTypes)
    {
        var response = new ApiResponseType { StatusCode = status, Type = body ?? typeof(void) };
        if (body is not null)
        {
            response.ModelMetadata = Metadata.GetMetadataForType(body);
            foreach (var type in contentTypes) response.ApiResponseFormats.Add(new ApiResponseFormat { MediaType = type });
        }
        api.SupportedResponseTypes.Add(response);
    }
}
