using System.Text.Json;
using System.Text.Json.Nodes;
using PolyakCore.Experiments;
using PolyakCore.Training;
using PolyakDashboard.Experiments;
using PolyakDashboard.Security;
using PolyakDashboard.Storage;

namespace PolyakDashboard.Api;

/// <summary>Stored ensembles (groups): list, summary, export and delete. They are made by the presenter's
/// <c>POST /api/experiments/{id}/runs</c> with "seeds" and by the presenter's "Run over seeds" on a page.</summary>
public static class EnsemblesApi
{
    public const string ZipType = "application/zip";

    public static IEndpointRouteBuilder MapEnsemblesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/ensembles");
        api.MapGet("", (EnsembleStore store) => Results.Json(store.List().Select(Info), PolyakJson.Options));
        api.MapGet("/{id}", Get);
        api.MapGet("/{id}/export", Export);
        api.MapDelete("/{id}", DeleteAsync).RequirePresenter();
        return app;
    }

    /// <summary>A group as the list shows it (no curves, no per-seed summaries).</summary>
    public static object Info(StoredEnsemble g) => new
    {
        id = g.Id, experimentId = g.ExperimentId, title = g.Title, seeds = g.Spec.Seeds, vary = g.Spec.Vary,
        configurations = g.Configurations, problem = g.Problem, optimizers = g.Optimizers, status = g.Status, message = g.Message,
        createdAt = g.CreatedAt, finishedAt = g.FinishedAt, seconds = g.Seconds, overrides = g.Overrides,
    };

    /// <summary>The group's summary document as the CLI writes it to ensemble.json (spreads, counts, each seed's summary,
    /// findings), after the group's id, experiment, status and times; while it computes, how far it has got.</summary>
    private static IResult Get(string id, EnsembleStore store, EnsembleService ensembles)
    {
        if (store.Find(id) is not { } group) return Unknown(id);
        var document = JsonSerializer.SerializeToNode(Info(group), PolyakJson.Options)!.AsObject();
        if (store.Summary(id) is { } summary)
            foreach (var (name, value) in JsonNode.Parse(summary)!.AsObject().ToArray())
                document[name] = value?.DeepClone();
        else if (ensembles.Find(id)?.Progress is { } progress)
            document["progress"] = progress.Fraction;
        return Results.Text(document.ToJsonString(PolyakJson.Options), "application/json");
    }

    /// <summary>A zip of ensemble.json, ensemble.csv and epochs.csv, exactly as the CLI writes them.</summary>
    private static IResult Export(string id, EnsembleStore store)
    {
        if (store.Find(id) is not { } group) return Unknown(id);
        if (!group.IsFinished) return NotFinished(group);
        if (store.Load(id) is not var (_, result, names))
            return Results.Problem(statusCode: 409, title: "Ensemble without results",
                detail: $"Ensemble '{id}' is {group.Status.ToString().ToLowerInvariant()}: it ended before it had results to export.");
        var zip = new MemoryStream();
        EnsembleFiles.WriteZip(zip, result, names, group.Findings);
        zip.Position = 0;
        return Results.File(zip, ZipType, FileName(id));
    }

    public static string FileName(string id) => $"{id}.zip";

    /// <summary>Cancels a group still computing (202); deletes a finished one with its curves (204).</summary>
    private static async Task<IResult> DeleteAsync(string id, EnsembleStore store, EnsembleService ensembles)
    {
        if (store.Find(id) is not { } group) return Unknown(id);
        if (!group.IsFinished)
        {
            if (ensembles.Find(id) is not { } live) return NotFinished(group);
            live.Cancel();
            try { await live.Completion.WaitAsync(TimeSpan.FromSeconds(2)); } catch (Exception) { }
            return Results.Accepted($"/api/ensembles/{id}", new { id, status = live.Status });
        }
        store.Delete(id);
        ensembles.Forget(id);
        return Results.NoContent();
    }

    private static IResult NotFinished(StoredEnsemble group) => Results.Problem(statusCode: 409, title: "Ensemble not finished",
        detail: $"Ensemble '{group.Id}' is {group.Status.ToString().ToLowerInvariant()}; export or delete it when it has ended.");

    private static IResult Unknown(string id) => Results.Problem(statusCode: 404, title: "Unknown ensemble", detail: $"There is no ensemble '{id}'.");
}
