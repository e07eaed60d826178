using PolyakDashboard.Experiments;

namespace PolyakDashboard.Api;

/// <summary>The findings of the small experiments, as the pages state them (computed once per server).</summary>
public static class FindingsApi
{
    public static IEndpointRouteBuilder MapFindingsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/experiments/{id}/findings", async (string id, FindingsService findings) =>
            FindingsService.Has(id)
                ? Results.Ok(await findings.GetAsync(id))
                : Results.Problem(statusCode: 404, title: "No findings", detail: $"Experiment '{id}' has no findings (1a, 1b, 1c, 1e, 1b-fixes and 1e-fixes have)."));
        return app;
    }
}
