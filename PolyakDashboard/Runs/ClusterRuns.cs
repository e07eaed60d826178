using PolyakDashboard.ScaleOut;
using PolyakDashboard.Storage;

namespace PolyakDashboard.Runs;

/// <summary>A run wherever it trains: this instance's (in its registry), or, with a shared store, one another dashboard
/// instance trains (as far as it has written it) — so the API and the hub answer for every run on every instance.</summary>
public sealed class ClusterRuns(RunRegistry registry, RunStore store, ClusterBus? bus = null)
{
    public LiveRun? Find(string id) => registry.Get(id) ?? (store.IsShared ? store.FindWritten(id) : null);

    /// <summary>Cancels the run here, or asks the instance that trains it; false for an unknown or finished run elsewhere.</summary>
    public async Task<bool> CancelAsync(string id)
    {
        if (registry.Get(id) is { } run)
        {
            run.Cancel();
            return true;
        }
        if (bus is null || !store.IsShared || store.FindWritten(id) is not { IsFinished: false }) return false;
        await bus.CancelElsewhereAsync(id);
        return true;
    }
}
