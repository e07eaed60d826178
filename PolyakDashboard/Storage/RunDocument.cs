using PolyakCore.Training;
using PolyakDashboard.Runs;

namespace PolyakDashboard.Storage;

/// <summary>One run as a file: <c>GET /api/runs/{id}/export</c> writes it and <c>POST /api/runs/import</c>
/// reads it back. JSON through PolyakJson, so NaN and ±Infinity survive as strings.</summary>
/// <remarks><code>
/// { "format": "polyak-dashboard-run", "version": 1,
///   "run": { "id", "launchId", "experimentId", "request", "status", "message", "createdAt", "startedAt",
///            "finishedAt", "totalSteps", "parameterNames", "summary", "tags", "note" },
///   "batches": [ { "step", "epoch", "loss", "stepSize", "gradNormSq", "effectiveStep", "evaluations", "parameters", "seconds" } ],
///   "epochs": [ { "epoch", "loss", "parameters", "valLoss" } ] }
/// </code>
/// "seconds" (wall time since the run started) and "valLoss" (absent when the problem has no held-out data) came
/// later within version 1: a file without them still imports (seconds 0: replay then goes by steps).</remarks>
public sealed record RunDocument
{
    public const string FormatName = "polyak-dashboard-run";
    public const int CurrentVersion = 1;
    public const int MaxIdLength = 100;
    private const int MaxRecordErrors = 10;

    /// <summary>Ids that would be shadowed by the literal routes under /api/runs.</summary>
    public static readonly IReadOnlySet<string> ReservedIds = new HashSet<string> { "history", "compare", "export", "import" };

    public string? Format { get; init; }
    public int Version { get; init; }
    public StoredRun? Run { get; init; }
    public IReadOnlyList<BatchRecord>? Batches { get; init; }
    public IReadOnlyList<EpochRecord>? Epochs { get; init; }

    public static RunDocument Of(LiveRun run) => new()
    {
        Format = FormatName, Version = CurrentVersion, Run = run.ToStored(), Batches = run.Batches(), Epochs = run.Epochs(),
    };

    /// <summary>Every way the document cannot be imported, each naming its field (empty when it can).</summary>
    public IReadOnlyList<FieldError> Validate()
    {
        var errors = new List<FieldError>();
        void Error(string field, string message) => errors.Add(new FieldError(field, message));

        if (Format != FormatName) Error("format", $"Not a run export: \"format\" must be \"{FormatName}\".");
        if (Version != CurrentVersion) Error("version", $"Version {Version} is not one this server reads (it reads {CurrentVersion}).");
        if (Run is not { } run) { Error("run", "The run is missing."); return errors; }

        if (string.IsNullOrEmpty(run.Id) || run.Id.Length > MaxIdLength || RunIds.Slug(run.Id) != run.Id)
            Error("run.id", $"A run id is required: lower-case letters, digits, '-' and '.', at most {MaxIdLength} characters.");
        else if (ReservedIds.Contains(run.Id))
            Error("run.id", $"'{run.Id}' names an endpoint (/api/runs/{run.Id}); give the run another id.");
        if (string.IsNullOrEmpty(run.LaunchId)) Error("run.launchId", "A launch id is required.");
        if (run.Request is null) Error("run.request", "The run's request is missing.");
        else
            foreach (var e in RunValidation.Validate(run.Request, ImportLimits)) Error($"run.request.{e.Field}", e.Message);
        if (!run.IsFinished)
            Error("run.status", $"Only finished runs are imported (completed, diverged, cancelled, failed, interrupted); this one is {run.Status.ToString().ToLowerInvariant()}.");
        if (run.CreatedAt == default) Error("run.createdAt", "The creation time is missing.");
        if (run.TotalSteps < 0) Error("run.totalSteps", $"Total steps cannot be negative; got {run.TotalSteps}.");
        if (run.ParameterNames is null) Error("run.parameterNames", "The parameter names are missing.");
        foreach (var e in RunAnnotations.Check(run.Tags, run.Note)) Error($"run.{e.Field}", e.Message);
        int parameters = run.ParameterNames?.Count ?? -1;

        if (Batches is null) Error("batches", "The per-batch records are missing (an empty list for a run without any).");
        else CheckBatches(Batches, parameters, errors);
        if (Epochs is null) Error("epochs", "The per-epoch records are missing (an empty list for a run without any).");
        else CheckEpochs(Epochs, parameters, errors);
        return errors;
    }

    // A run that ran elsewhere may have had larger limits; the checks that matter here are names and values. An
    // imported document is data: it never names a file on this server's disk (corpusPath).
    private static readonly RunLimits ImportLimits = new()
    {
        MaxEpochs = int.MaxValue, MaxPoints = int.MaxValue, MaxSamples = long.MaxValue, MaxSteps = long.MaxValue, AllowCorpusPaths = false,
    };

    private static void CheckBatches(IReadOnlyList<BatchRecord> batches, int parameters, List<FieldError> errors)
    {
        int before = errors.Count, previous = 0;
        for (int i = 0; i < batches.Count && errors.Count - before < MaxRecordErrors; i++)
        {
            var b = batches[i];
            string at = $"batches[{i}]";
            if (b is null) { errors.Add(new(at, "A record is null.")); continue; }
            if (b.Step <= previous) errors.Add(new($"{at}.step", $"Steps must start at 1 and increase; {b.Step} follows {previous}."));
            if (b.Epoch < 1) errors.Add(new($"{at}.epoch", $"Epochs of batches start at 1; got {b.Epoch}."));
            if (b.Evaluations < 0) errors.Add(new($"{at}.evaluations", $"Evaluations cannot be negative; got {b.Evaluations}."));
            if (b.Parameters is { } p && parameters >= 0 && p.Length != parameters)
                errors.Add(new($"{at}.parameters", $"The run has {parameters} parameters; this record has {p.Length}."));
            previous = Math.Max(previous, b.Step);
        }
    }

    private static void CheckEpochs(IReadOnlyList<EpochRecord> epochs, int parameters, List<FieldError> errors)
    {
        int before = errors.Count, previous = -1;
        for (int i = 0; i < epochs.Count && errors.Count - before < MaxRecordErrors; i++)
        {
            var e = epochs[i];
            string at = $"epochs[{i}]";
            if (e is null) { errors.Add(new(at, "A record is null.")); continue; }
            if (e.Epoch <= previous) errors.Add(new($"{at}.epoch", $"Epochs must start at 0 or more and increase; {e.Epoch} follows {previous}."));
            if (e.Parameters is { } p && parameters >= 0 && p.Length != parameters)
                errors.Add(new($"{at}.parameters", $"The run has {parameters} parameters; this record has {p.Length}."));
            previous = Math.Max(previous, e.Epoch);
        }
    }
}

/// <summary>The body of <c>PUT /api/runs/{id}/annotations</c>: free tags and a note.</summary>
public sealed record RunAnnotations(IReadOnlyList<string>? Tags, string? Note)
{
    public const int MaxTags = 32, MaxTagLength = 64, MaxNoteLength = 10_000;

    /// <summary>Trimmed tags without blanks or repeats (first spelling kept), and the note trimmed (null when empty).</summary>
    public (IReadOnlyList<string> Tags, string? Note) Normalized() =>
        ([.. (Tags ?? []).Select(t => t.Trim()).Where(t => t.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase)],
         string.IsNullOrWhiteSpace(Note) ? null : Note.Trim());

    public IReadOnlyList<FieldError> Validate() => Check(Tags, Note);

    internal static IReadOnlyList<FieldError> Check(IReadOnlyList<string>? tags, string? note)
    {
        var errors = new List<FieldError>();
        tags ??= [];
        if (tags.Count > MaxTags) errors.Add(new("tags", $"At most {MaxTags} tags; got {tags.Count}."));
        for (int i = 0; i < tags.Count; i++)
        {
            if (tags[i] is not { } tag) errors.Add(new($"tags[{i}]", "A tag cannot be null."));
            else if (tag.Trim().Length is 0 or > MaxTagLength || tag.Any(char.IsControl))
                errors.Add(new($"tags[{i}]", $"A tag is 1 to {MaxTagLength} printable characters."));
        }
        if (note is { Length: > MaxNoteLength }) errors.Add(new("note", $"A note is at most {MaxNoteLength:N0} characters; got {note.Length:N0}."));
        return errors;
    }
}
