using MudBlazor.Services;
using PolyakDashboard.Components;
using PolyakDashboard.Components.Charts;

namespace PolyakDashboard.Extensions;

/// <summary>Registration and mapping of the Blazor UI (MudBlazor, Razor components, static assets).</summary>
public static class UiExtensions
{
    /// <summary>Adds MudBlazor, interactive-server Razor components and the chart helpers.</summary>
    public static WebApplicationBuilder AddDashboardUi(this WebApplicationBuilder b)
    {
        // Serve static web assets (MudBlazor's, collocated .razor.js, scoped CSS) from the build output
        // in every environment, not only Development: `dotnet run` without a launch profile is
        // Production. A no-op for published apps, which have no runtime manifest.
        b.WebHost.UseStaticWebAssets();
        b.Services.AddMudServices();
        b.Services.AddRazorComponents().AddInteractiveServerComponents();
        b.Services.AddScoped<TrainingHubClient>();
        // What the pages ask instead of computing themselves.
        b.Services.AddScoped<Constraints.ConstraintDemos>();    // these two charge the circuit's ViewerSession
        b.Services.AddScoped<Explorer.ExplorerComputations>();
        return b;
    }

    /// <summary>Maps static assets and the Razor components; call after the API and hub mappings.</summary>
    public static WebApplication MapDashboardUi(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
            app.UseExceptionHandler("/not-found", createScopeForErrors: true);
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseMiddleware<Api.ApiErrors>();          // API calls: errors as ProblemDetails, before the pages' handlers see them
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
