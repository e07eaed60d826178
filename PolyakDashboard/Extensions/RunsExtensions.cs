using Microsoft.AspNetCore.Http.Json;
using PolyakCore.Export;
using PolyakCore.Training;
using PolyakDashboard.Api;
using PolyakDashboard.Runs;

namespace PolyakDashboard.Extensions;

/// <summary>Registration of the run queue, the live hub and the HTTP API.</summary>
public static class RunsExtensions
{
    public static WebApplicationBuilder AddRuns(this WebApplicationBuilder builder)
    {
        NativeMemory.FixMmapThreshold();
        builder.Services.Configure<RunOptions>(builder.Configuration.GetSection("Runs"));
        builder.Services.Configure<JsonOptions>(o => PolyakJson.Configure(o.SerializerOptions));
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton<RunRegistry>();
        builder.Services.AddSingleton<RunQueue>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RunQueue>());
        builder.Services.AddSingleton<RunService>();
        builder.Services.AddSingleton<MetricsBroadcaster>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MetricsBroadcaster>());
        builder.Services.AddSignalR().AddJsonProtocol(o => PolyakJson.Configure(o.PayloadSerializerOptions));
        return builder;
    }

    public static WebApplication MapRuns(this WebApplication app)
    {
        app.MapRunsApi();
        app.MapHub<TrainingHub>(TrainingHub.Path);
        return app;
    }
}
