using System.Text.Json;
using PolyakDashboard.Runs;
using StackExchange.Redis;

namespace PolyakDashboard.ScaleOut;

/// <summary>What dashboard instances behind one Redis tell each other besides SignalR's own messages (which the
/// backplane carries): the presenter's moves (so every instance's circuits and <c>/api/presenter</c> follow them) and
/// cancels of runs another instance trains.</summary>
/// <remarks>Redis pub/sub: at most once, no history — a move or cancel made while an instance is cut off from Redis is
/// not replayed to it. Each message carries its sender, which ignores its own.</remarks>
public sealed class ClusterBus(IConnectionMultiplexer redis, PresenterPresence presence, RunRegistry registry, ILogger<ClusterBus> logger)
    : IHostedService
{
    private static readonly RedisChannel PresenterChannel = RedisChannel.Literal("polyak:presenter");
    private static readonly RedisChannel CancelChannel = RedisChannel.Literal("polyak:cancel");
    private readonly string _sender = Guid.NewGuid().ToString("N");

    private sealed record Message(string Sender, PresenterLocation? Location = null, string? RunId = null);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var subscriber = redis.GetSubscriber();
        await subscriber.SubscribeAsync(PresenterChannel, (_, value) =>
        {
            if (Read(value) is { Location: { } location } m && m.Sender != _sender) presence.MovedElsewhere(location);
        });
        await subscriber.SubscribeAsync(CancelChannel, (_, value) =>
        {
            if (Read(value) is { RunId: { } id } m && m.Sender != _sender && registry.Get(id) is { IsFinished: false } run) run.Cancel();
        });
        presence.MovedHere += Publish;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        presence.MovedHere -= Publish;
        return redis.GetSubscriber().UnsubscribeAllAsync();
    }

    /// <summary>Asks whichever instance trains the run to cancel it.</summary>
    public Task CancelElsewhereAsync(string runId) => Send(CancelChannel, new Message(_sender, RunId: runId));

    private void Publish(PresenterLocation location) => _ = Send(PresenterChannel, new Message(_sender, location));

    private async Task Send(RedisChannel channel, Message message)
    {
        try { await redis.GetSubscriber().PublishAsync(channel, JsonSerializer.Serialize(message, PolyakJson.Options)); }
        catch (Exception e) when (e is RedisException or TimeoutException) { logger.LogWarning(e, "Could not tell the other instances"); }
    }

    private Message? Read(RedisValue value)
    {
        try { return JsonSerializer.Deserialize<Message>(value.ToString(), PolyakJson.Options); }
        catch (JsonException e) { logger.LogWarning(e, "An unreadable message on the cluster bus was ignored"); return null; }
    }
}
