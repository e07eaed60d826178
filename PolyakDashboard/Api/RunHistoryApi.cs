using PolyakCore.Export;
using PolyakCore.Training;
using PolyakDashboard.History;
using PolyakDashboard.Runs;
using PolyakDashboard.Storage;

namespace PolyakDashboard.Api;

/// <summary>Read-only views of the run history: the run table, comparison lines and exports.</summary>
/// <remarks>None of these change anything (deleting, importing and annotating stay in <see cref="RunsApi"/>).
/// Literal segments (history, compare, export) take precedence over <c>/api/runs/{id}</c>.</remarks>
public static class RunHistoryApi
{
    public static IEndpointRouteBuilder MapRunHistoryApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/runs");
        api.MapGet("/history", History);
        api.MapGet("/compare", Compare);
        api.MapGet("/export", Export);
        return app;
    }

    /// <summary>One page of every stored run: <c>?search=&amp;status=&amp;sort=&amp;desc=&amp;skip=&amp;take=</c>.</summary>
    private static IResult History(string? search, string? status, string? sort, bool? desc, int? skip, int? take, RunStore store)
    {
        var errors = new List<FieldError>();
        RunStatus? statusFilter = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (Enum.TryParse<RunStatus>(status, ignoreCase: true, out var s) && !int.TryParse(status, out _)) statusFilter = s;
            else errors.Add(new("status", $"Unknown status '{status}'. Use one of {Names<RunStatus>()}."));
        }
        var order = RunSort.Created;
        if (!string.IsNullOrEmpty(sort) && (!Enum.TryParse(sort, ignoreCase: true, out order) || int.TryParse(sort, out _)))
            errors.Add(new("sort", $"Unknown sort '{sort}'. Use one of {Names<RunSort>()}."));
        if (take is < 1 or > RunQuery.MaxTake) errors.Add(new("take", $"Take 1 to {RunQuery.MaxTake} rows; got {take}."));
        if (skip is < 0) errors.Add(new("skip", $"Skip cannot be negative; got {skip}."));
        if (errors.Count > 0) return RunsApi.Invalid(errors);
        return Results.Ok(store.Query(new RunQuery(search, statusFilter, order, desc ?? true, skip ?? 0, take ?? 25)));
    }

    /// <summary>Decimated lines of several runs for one chart axis: <c>?ids=a,b&amp;x=step|epoch|seconds&amp;points=2000</c>.</summary>
    private static IResult Compare(string? ids, string? x, int? points, RunCharts charts)
    {
        var list = Ids(ids);
        var errors = new List<FieldError>();
        if (list.Length is 0 or > RunCharts.MaxRuns) errors.Add(new("ids", $"Name 1 to {RunCharts.MaxRuns} runs, comma-separated."));
        var axis = ChartX.Step;
        if (!string.IsNullOrEmpty(x) && (!Enum.TryParse(x, ignoreCase: true, out axis) || int.TryParse(x, out _)))
            errors.Add(new("x", "Use x=step, x=epoch or x=seconds."));
        if (points is < RunCharts.MinPoints or > RunCharts.MaxPoints)
            errors.Add(new("points", $"Points per line are {RunCharts.MinPoints} to {RunCharts.MaxPoints}; got {points}."));
        if (errors.Count > 0) return RunsApi.Invalid(errors);
        var data = charts.Compare(list, axis, points ?? RunCharts.DefaultPoints);
        var missing = list.Except(data.Select(d => d.Id)).ToArray();
        if (missing.Length > 0) return Results.Problem(statusCode: 404, title: "Unknown run", detail: $"There is no run {string.Join(", ", missing.Select(m => $"'{m}'"))}.");
        return Results.Json(data, PolyakJson.Options);
    }

    /// <summary>Finished runs as files: <c>?ids=a,b&amp;format=json|csv|svg</c>. JSON for one run is its document
    /// (importable); anything else is a zip (svg: the runs' figures, as the CLI draws them).</summary>
    private static IResult Export(string? ids, string? format, RunService service)
    {
        var list = Ids(ids);
        format = (format ?? "json").ToLowerInvariant();
        var errors = new List<FieldError>();
        if (list.Length is 0 or > RunCharts.MaxRuns) errors.Add(new("ids", $"Name 1 to {RunCharts.MaxRuns} runs, comma-separated."));
        if (format is not ("json" or "csv" or "svg")) errors.Add(new("format", "Use format=json, format=csv or format=svg."));
        if (errors.Count > 0) return RunsApi.Invalid(errors);
        var runs = list.Select(id => (id, run: service.Get(id))).ToArray();
        if (runs.Where(r => r.run is null).Select(r => r.id).ToArray() is { Length: > 0 } missing)
            return Results.Problem(statusCode: 404, title: "Unknown run", detail: $"There is no run {string.Join(", ", missing.Select(m => $"'{m}'"))}.");
        var found = runs.Select(r => r.run!).ToArray();
        if (found.FirstOrDefault(r => !r.IsFinished) is { } live)
            return Results.Problem(statusCode: 409, title: "Run not finished",
                detail: $"Run '{live.Id}' is {live.Status.ToString().ToLowerInvariant()}; export it when it has ended.");
        if (format == "svg")
            return Results.File(RunExport.Figures(found), RunExport.ZipType, (found.Length == 1 ? found[0].Id : $"runs-{found.Length}") + "-figures.zip");
        if (format == "json" && found.Length == 1)
            return new Attachment(Results.Json(RunDocument.Of(found[0]), PolyakJson.Options), RunExport.FileName(found, "json"));
        return Results.File(RunExport.Zip(found, csv: format == "csv"), RunExport.ZipType, RunExport.FileName(found, "zip"));
    }

    private static string[] Ids(string? ids) =>
        [.. (ids ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct()];

    private static string Names<T>() where T : struct, Enum => string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()));

    /// <summary>A result sent as a download (Content-Disposition: attachment).</summary>
    private sealed class Attachment(IResult inner, string fileName) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
            return inner.ExecuteAsync(http);
        }
    }
}
