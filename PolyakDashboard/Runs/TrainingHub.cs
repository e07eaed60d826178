using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace PolyakDashboard.Runs;

/// <summary>Live training data for browsers: subscribe to runs, get their history, then new points.</summary>
/// <remarks>Server → client messages: "points" (<see cref="PointBatch"/>), "epochs" (<see cref="EpochBatch"/>),
/// "status" (<see cref="StatusUpdate"/>). Points are coalesced by <see cref="MetricsBroadcaster"/>.</remarks>
public sealed class TrainingHub(RunRegistry registry, IOptions<RunOptions> options) : Hub
{
    public const string Path = "/hubs/training";
    public const int MaxSubscriptions = 64;

    public static string Group(string runId) => $"run:{runId}";

    /// <summary>Joins the runs' groups, then returns their history (decimated). Joining first means no point
    /// is missed; the client drops points whose step it already has.</summary>
    public async Task<RunSnapshot[]> Subscribe(string[] runIds)
    {
        if (runIds is null || runIds.Length > MaxSubscriptions)
            throw new HubException($"Subscribe to between 1 and {MaxSubscriptions} runs at once.");
        var runs = runIds.Distinct().Select(registry.Get).OfType<LiveRun>().ToArray();
        foreach (var run in runs) await Groups.AddToGroupAsync(Context.ConnectionId, Group(run.Id));
        return [.. runs.Select(r => RunSnapshot.Of(r, options.Value.HistoryPoints))];
    }

    public async Task Unsubscribe(string[] runIds)
    {
        foreach (var id in (runIds ?? []).Distinct().Take(MaxSubscriptions))
            await Groups.RemoveFromGroupAsync(Context.ConnectionId, Group(id));
    }
}
