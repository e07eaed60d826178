using PolyakDashboard.ScaleOut;
using StackExchange.Redis;

namespace PolyakDashboard.Extensions;

/// <summary>Several dashboard instances: with "SignalR:Redis" set (a StackExchange.Redis configuration string, e.g.
/// <c>127.0.0.1:6379</c>), SignalR's messages go through Redis, so a viewer on one instance gets every point of a run
/// started on another, and the instances tell each other the presenter's moves and cancels (<see cref="ClusterBus"/>).
/// Without it nothing changes: one process, nothing else needed.</summary>
public static class ScaleOutExtensions
{
    public const string RedisSetting = "SignalR:Redis";

    public static WebApplicationBuilder AddScaleOut(this WebApplicationBuilder builder)
    {
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
}
