using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PolyakCore.Training;
using PolyakDashboard.Api;
using PolyakDashboard.ChildSpeech;
using PolyakDashboard.History;
using PolyakDashboard.Runs;
using PolyakDashboard.Security;
using PolyakDashboard.Storage;

namespace PolyakDashboard.Extensions;

/// <summary>Registration of the run store, the run queue, the live hub and the HTTP API.</summary>
public static class RunsExtensions
{
    public static WebApplicationBuilder AddRuns(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<RunOptions>(builder.Configuration.GetSection("Runs"));
        builder.Services.Configure<JsonOptions>(o => PolyakJson.Configure(o.SerializerOptions));
        builder.Services.AddProblemDetails();
        // The store ("ConnectionStrings:Runs") and the history that fills it: registered before the queue,
        // so history is loaded before the first run starts and written after the last one is cancelled.
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<RunStore>();
        builder.Services.AddSingleton<IRunArchive>(sp => sp.GetRequiredService<RunStore>());
        builder.Services.AddSingleton<RunRegistry>();
        builder.Services.AddSingleton<RunHistory>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RunHistory>());
        builder.Services.Configure<ChildSpeechOptions>(builder.Configuration.GetSection("ChildSpeech"));
        builder.Services.AddSingleton(sp => TextLibraries.Create(
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ChildSpeechOptions>>(), sp.GetRequiredService<IWebHostEnvironment>()));
        builder.Services.TryAddSingleton<IRunEngine>(sp => new TrainerEngine(sp.GetRequiredService<TextLibraries>(),
            RunService.ServerLimits(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<RunOptions>>().Value)));
        builder.Services.AddSingleton(sp => PolyakLadderService.Shipped(sp.GetRequiredService<IWebHostEnvironment>(), sp.GetRequiredService<ILogger<PolyakLadderService>>()));       // 1d's shipped "Polyak step vs model size"
        builder.Services.AddSingleton(sp => ChildSpeechLessonService.Shipped(sp.GetRequiredService<TextLibraries>(), sp.GetRequiredService<PolyakLadderService>(),
            sp.GetRequiredService<IWebHostEnvironment>(), sp.GetRequiredService<ILogger<ChildSpeechLessonService>>()));   // 1d's "what to look for", from the shipped results
        builder.Services.AddSingleton<CheckpointCache>();
        builder.Services.AddSingleton<GenerationService>();
        builder.Services.AddHostedService<GenerationWarmUp>();
        builder.Services.AddSingleton<RunQueue>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RunQueue>());
        builder.Services.AddSingleton<RunService>();
        builder.Services.AddSingleton<ClusterRuns>();
        builder.Services.AddSingleton<PresenterPresence>();
        builder.Services.AddSingleton<RunCharts>();
        builder.Services.AddSingleton<GroupCharts>();          // the Runs page's comparison of ensembles
        builder.Services.AddSingleton<RunImporter>();          // the Runs page's uploads and POST /api/runs/import
        builder.Services.AddSingleton<Experiments.FindingsService>();
        builder.Services.AddSingleton<EnsembleStore>();                 // ensembles as groups in the run store
        builder.Services.AddSingleton<Experiments.EnsembleService>();
        builder.Services.AddSingleton<Explorer.RaceCache>();       // the explorer page and the presenter's race endpoint
        builder.Services.AddSingleton<Explorer.EscapeMapCache>();  // maps in shared URLs: computed once for every follower
        builder.Services.AddSingleton<MetricsBroadcaster>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MetricsBroadcaster>());
        builder.Services.AddSignalR().AddJsonProtocol(o => PolyakJson.Configure(o.PayloadSerializerOptions));
        return builder;
    }

    /// <summary>Opens (creates, migrates) the run store, or says plainly why it cannot: false means exit.</summary>
    /// <remarks>A corrupt or locked file is a one-line message and an exit code, not a stack trace on every restart.</remarks>
    public static bool OpenRunStore(this WebApplication app)
    {
        try
        {
            app.Services.GetRequiredService<RunStore>().Open();
            return true;
        }
        catch (RunStoreException e)
        {
            app.Logger.LogCritical("{Message}", e.Message);
            Console.Error.WriteLine(e.Message);
            return false;
        }
    }

    public static WebApplication MapRuns(this WebApplication app)
    {
        app.MapRunsApi();
        app.MapChildSpeechApi().RequirePresenter();
        app.MapPresenterApi();
        app.MapFindingsApi();
        app.MapGenerationApi().RequireRateLimiting(RateLimits.Computation);   // viewers generate too, within limits
        app.MapRunHistoryApi();
        app.MapEnsemblesApi();
        app.MapHub<TrainingHub>(TrainingHub.Path);
        return app;
    }
}
