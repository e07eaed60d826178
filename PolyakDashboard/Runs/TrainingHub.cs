using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using PolyakDashboard.ScaleOut;
using PolyakDashboard.Security;
using PolyakDashboard.Storage;

namespace PolyakDashboard.Runs;

/// <summary>Live training data for browsers: subscribe to runs, get their history, then new points.</summary>
/// <remarks>Server → client messages: "points" (<see cref="PointBatch"/>), "epochs" (<see cref="EpochBatch"/>),
/// "status" (<see cref="StatusUpdate"/>), and to followers "presenter" (<see cref="PresenterLocation"/>).
/// Points are coalesced by <see cref="MetricsBroadcaster"/>. Methods that change anything require the presenter
/// policy (<c>[Authorize(Presenter.Policy)]</c>); for anyone else the call fails with "unauthorized".</remarks>
public sealed class TrainingHub(RunRegistry registry, IOptions<RunOptions> options, PresenterPresence presence, RunStore store,
    Lecture.Audience audience, ClusterRuns cluster) : Hub
{
    public const string Path = "/hubs/training";
    public const int MaxSubscriptions = 64;

    /// <summary>The group of connections following the presenter.</summary>
    public const string Audience = "audience";

    public static string Group(string runId) => $"run:{runId}";

    /// <summary>Joins the runs' groups, then returns their history (decimated). Joining first means no point
    /// is missed; the client drops points whose step it already has.</summary>
    public async Task<RunSnapshot[]> Subscribe(string[] runIds)
    {
        if (runIds is null || runIds.Length == 0 || runIds.Length > MaxSubscriptions || runIds.Any(id => id is null || id.Length > 200))
            throw new HubException($"Subscribe to between 1 and {MaxSubscriptions} runs at once.");
        var ids = runIds.Distinct().ToArray();
        var runs = ids.Select(registry.Get).ToArray();
        // A shared store (several instances): a run another instance trains is in the store, not in this registry —
        // or not even there yet (that instance writes its rows every PersistIntervalMs).
        var elsewhere = store.IsShared ? ids.Where((_, i) => runs[i] is null).ToHashSet() : [];
        foreach (var (id, run) in ids.Zip(runs))
            if (run is not null || elsewhere.Contains(id)) await Groups.AddToGroupAsync(Context.ConnectionId, Group(id));
        if (elsewhere.Count > 0)
        {
            // Its points recorded before the join were broadcast by its own instance, not to us: they are in the store
            // once that instance's next write lands, so the history is read after one write interval (and a little
            // longer for a run whose row is not there yet: a busy instance writes late).
            await Task.Delay(options.Value.PersistIntervalMs + 4 * options.Value.BroadcastIntervalMs);
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (true)
            {
                for (int i = 0; i < ids.Length; i++)
                    if (runs[i] is null && elsewhere.Contains(ids[i])) runs[i] = registry.Get(ids[i]) ?? store.FindWritten(ids[i]);
                if (runs.All(r => r is not null) || DateTime.UtcNow > deadline) break;
                await Task.Delay(250);
            }
            foreach (var (id, run) in ids.Zip(runs))
                if (run is null) await Groups.RemoveFromGroupAsync(Context.ConnectionId, Group(id));     // no such run
        }
        return [.. runs.OfType<LiveRun>().Select(r => RunSnapshot.Of(r, options.Value.HistoryPoints))];
    }

    public async Task Unsubscribe(string[] runIds)
    {
        foreach (var id in (runIds ?? []).Distinct().Take(MaxSubscriptions))
            await Groups.RemoveFromGroupAsync(Context.ConnectionId, Group(id));
    }

    /// <summary>Follows the presenter: returns where they are now (null if nowhere yet), then pushes "presenter" on every move.</summary>
    public async Task<PresenterLocation?> FollowPresenter()
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, Audience);
        if (Context.User?.IsPresenter() != true) audience.Join(AudienceId, following: true);   // a viewer on another client
        return presence.Current;
    }

    public Task StopFollowing()
    {
        audience.Leave(AudienceId);
        return Groups.RemoveFromGroupAsync(Context.ConnectionId, Audience);
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        audience.Leave(AudienceId);
        return base.OnDisconnectedAsync(exception);
    }

    private string AudienceId => "hub:" + Context.ConnectionId;

    /// <summary>The presenter shows a page (and launch): everyone following goes there. Presenter only.</summary>
    [Authorize(Presenter.Policy)]
    public void ShowPage(string path, string? launchId)
    {
        try { presence.Show(path, launchId); }
        catch (ArgumentException e) { throw new HubException(e.Message); }
    }

    /// <summary>Cancels a run. Presenter only; false for an unknown id.</summary>
    [Authorize(Presenter.Policy)]
    public Task<bool> Cancel(string runId) => cluster.CancelAsync(runId ?? "");
}
