using PolyakDashboard.ScaleOut;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;

namespace PolyakDashboard.Extensions;

/// <summary>Several dashboard instances: with "SignalR:Redis" set (a StackExchange.Redis configuration string, e.g.
/// <c>127.0.0.1:6379</c>), SignalR's messages go through Redis, so a viewer on one instance gets every point of a run
/// started on another, and the instances tell each other the presenter's moves and cancels (<see cref="ClusterBus"/>).
/// Without it nothing changes: one process, nothing else needed.</summary>
public static class ScaleOutExtensions
{
    public const string RedisSetting = "SignalR:Redis";

    public const string EngineSetting = "Runs:Engine";

    public static WebApplicationBuilder AddScaleOut(this WebApplicationBuilder builder)
    {
        if (string.Equals(builder.Configuration[EngineSetting], "orleans", StringComparison.OrdinalIgnoreCase)) builder.AddOrleansEngine();
        if (builder.Configuration[RedisSetting] is not { Length: > 0 } redis) return builder;
        var options = ConfigurationOptions.Parse(redis);
        options.AbortOnConnectFail = false;                   // Redis starting later or restarting: keep retrying
        options.ClientName ??= "polyak-dashboard";
        builder.Services.AddSignalR().AddStackExchangeRedis(o =>
        {
            o.Configuration = options.Clone();
            o.Configuration.ChannelPrefix = RedisChannel.Literal("polyak-signalr");
        });
        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options));
        builder.Services.AddSingleton<ClusterBus>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ClusterBus>());
        return builder;
    }

    /// <summary>Runs:Engine=orleans: this dashboard is an Orleans client of the workers' cluster and its queue trains
    /// runs there (<see cref="OrleansEngine"/>). It waits for the cluster at start-up (start Redis and a worker first).</summary>
    private static void AddOrleansEngine(this WebApplicationBuilder builder)
    {
        var cluster = ClusterSettings.From(builder.Configuration);
        builder.UseOrleansClient(client =>
        {
            client.UseRedisClustering(cluster.Redis);
            client.Configure<Orleans.Configuration.ClusterOptions>(cluster.Apply);
            client.UseConnectionRetryFilter(async (_, cancel) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancel);
                return true;
            });
        });
        builder.Services.Replace(ServiceDescriptor.Singleton<PolyakDashboard.Runs.IRunEngine, OrleansEngine>());
    }
}
