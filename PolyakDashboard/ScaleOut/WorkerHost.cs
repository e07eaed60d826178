using System.Net;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using PolyakDashboard.ChildSpeech;
using PolyakDashboard.Runs;

namespace PolyakDashboard.ScaleOut;

/// <summary>The Orleans cluster's settings, shared by workers and dashboards ("Orleans").</summary>
public sealed class ClusterSettings
{
    /// <summary>Membership table: a StackExchange.Redis configuration string ("Orleans:Redis", default SignalR:Redis).</summary>
    public required string Redis { get; init; }
    public string ClusterId { get; init; } = "polyak";
    public const string ServiceId = "polyak-dashboard";

    public static ClusterSettings From(IConfiguration configuration)
    {
        string? redis = configuration["Orleans:Redis"] is { Length: > 0 } r ? r : configuration["SignalR:Redis"];
        if (string.IsNullOrWhiteSpace(redis))
            throw new InvalidOperationException("The Orleans cluster needs Redis for its membership: set Orleans:Redis (e.g. 127.0.0.1:6379).");
        return new ClusterSettings { Redis = redis, ClusterId = configuration["Orleans:ClusterId"] is { Length: > 0 } id ? id : "polyak" };
    }

    public void Apply(ClusterOptions o) => (o.ClusterId, o.ServiceId) = (ClusterId, ServiceId);

    /// <summary>A dead worker is declared so within about 10 s (defaults are tuned for large clusters: a minute).</summary>
    public static void Membership(ClusterMembershipOptions o)
    {
        o.ProbeTimeout = TimeSpan.FromSeconds(2);
        o.NumMissedProbesLimit = 2;
        o.NumVotesForDeathDeclaration = 1;
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
    }
}

/// <summary><c>dotnet run --project PolyakDashboard -- worker [--Worker:RunsAtOnce=2 --Orleans:Redis=host:6379 …]</c>:
/// a worker silo that trains the runs dashboards place on it; no web server.</summary>
public static class WorkerHost
{
    public const string Command = "worker";

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        ClusterSettings cluster;
        try { cluster = ClusterSettings.From(builder.Configuration); }
        catch (InvalidOperationException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 2;
        }
        var worker = builder.Configuration.GetSection("Worker").Get<WorkerOptions>() ?? new WorkerOptions();
        worker.Name ??= $"{Environment.MachineName}-{Environment.ProcessId}";
        builder.Services.AddSingleton(Options.Create(worker));
        builder.Services.Configure<RunOptions>(builder.Configuration.GetSection("Runs"));
        builder.Services.Configure<ChildSpeechOptions>(builder.Configuration.GetSection("ChildSpeech"));
        builder.Services.AddSingleton(sp => TextLibraries.Create(sp.GetRequiredService<IOptions<ChildSpeechOptions>>(), sp.GetRequiredService<IHostEnvironment>()));
        builder.UseOrleans(silo =>
        {
            silo.UseRedisClustering(cluster.Redis);
            silo.Configure<ClusterOptions>(cluster.Apply);
            silo.Configure<ClusterMembershipOptions>(ClusterSettings.Membership);
            silo.Configure<SiloOptions>(o => o.SiloName = worker.Name);
            silo.ConfigureEndpoints(IPAddress.Parse(worker.Address), worker.SiloPort, worker.GatewayPort);
        });
        builder.Services.AddHostedService<WorkerActivation>();
        using var host = builder.Build();
        await host.RunAsync();
        return 0;
    }

    /// <summary>Activates this silo's trainer here, once the silo is up (a call from inside the silo places it locally).</summary>
    /// <remarks>A dashboard polling loads can reach this worker's grain first, through its own gateway silo, where the
    /// activation is refused; while that attempt is in the grain directory our own call can be routed to it and fail
    /// too (a CI run saw a late-joining worker exit on "Worker w3 cannot run on silo w2"). So: try again, briefly.</remarks>
    private sealed class WorkerActivation(IGrainFactory grains, IOptions<WorkerOptions> options, ILogger<WorkerActivation> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                try
                {
                    var load = await grains.GetGrain<IWorkerGrain>(options.Value.Name).Load();
                    logger.LogInformation("Worker {Name} ready: {Capacity} runs at once", load.Name, load.Capacity);
                    Console.WriteLine($"worker {load.Name} ready ({load.Capacity} runs at once)");
                    return;
                }
                catch (Exception e) when (e is not OperationCanceledException && DateTime.UtcNow < deadline)
                {
                    logger.LogWarning("Activating worker {Name} here failed ({Message}); trying again", options.Value.Name, e.Message);
                    await Task.Delay(200, cancellationToken);
                }
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
