using Microsoft.JSInterop;

namespace PolyakDashboard.Components.Charts;

/// <summary>A run's status as the training hub reports it.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Status">queued | running | completed | diverged | cancelled | failed.</param>
/// <param name="Message">Detail, e.g. an error; null when there is none.</param>
/// <param name="Step">Batches done so far.</param>
/// <param name="TotalSteps">Batches planned.</param>
public sealed record RunStatusUpdate(string RunId, string Status, string? Message, long Step, long TotalSteps);

/// <summary>
/// C# face of wwwroot/js/training-hub.js: binds <see cref="LiveChart"/> series to live training runs
/// (points flow hub → JS → chart, never through .NET) and forwards run status changes to .NET.
/// Scoped: one per circuit. Call from OnAfterRenderAsync; dispose the returned subscriptions in the
/// component's DisposeAsync.
/// </summary>
public sealed class TrainingHubClient(IJSRuntime js) : IAsyncDisposable
{
    private const string ModulePath = "./js/training-hub.js";
    private Task<IJSObjectReference>? _module;

    /// <summary>
    /// Feeds series <paramref name="seriesId"/> of <paramref name="chart"/> from run <paramref name="runId"/>:
    /// the history so far, then every new point; after a reconnect the series is replaced by fresh history.
    /// </summary>
    /// <param name="chart">The chart; give the series its name and colour first with <see cref="LiveChart.SetSeriesAsync"/>
    /// (an unknown series is created, named after its id).</param>
    /// <param name="seriesId">Series in that chart.</param>
    /// <param name="runId">Run to follow.</param>
    /// <param name="field">y values: "loss", "stepSize" or "gradNormSq" (source "points"); "loss" (source "epochs").</param>
    /// <param name="xField">x values: "step" or "epoch".</param>
    /// <param name="source">"points" (one record per batch) or "epochs" (full-data loss at each epoch's end).</param>
    /// <returns>Disposing it stops the feed (and unsubscribes the run once nothing else follows it).</returns>
    public async ValueTask<IAsyncDisposable> BindAsync(
        LiveChart chart, string seriesId, string runId, string field, string xField, string source = "points")
    {
        var module = await GetModuleAsync();
        var handle = await module.InvokeAsync<int>("bind", chart.ElementId, seriesId, runId, field, xField, source);
        return new Subscription(module, handle, null);
    }

    /// <summary>Calls <paramref name="onStatus"/> with the run's current status and on every change (a few messages per run).</summary>
    /// <remarks>Runs on the circuit's dispatcher; a component still calls StateHasChanged itself.</remarks>
    /// <returns>Disposing it stops the callbacks.</returns>
    public async ValueTask<IAsyncDisposable> OnStatusAsync(string runId, Func<RunStatusUpdate, Task> onStatus)
    {
        var module = await GetModuleAsync();
        var receiver = DotNetObjectReference.Create(new StatusReceiver(onStatus));
        var handle = await module.InvokeAsync<int>("onStatus", runId, receiver, nameof(StatusReceiver.HandleStatusAsync));
        return new Subscription(module, handle, receiver);
    }

    private Task<IJSObjectReference> GetModuleAsync() =>
        _module ??= js.InvokeAsync<IJSObjectReference>("import", ModulePath).AsTask();

    public async ValueTask DisposeAsync()
    {
        if (_module is null)
            return;
        try
        {
            await (await _module).DisposeAsync();
        }
        catch (Exception e) when (e is JSDisconnectedException or InvalidOperationException)
        {
            // The circuit is gone.
        }
    }

    private sealed class StatusReceiver(Func<RunStatusUpdate, Task> onStatus)
    {
        [JSInvokable]
        public Task HandleStatusAsync(RunStatusUpdate status) => onStatus(status);
    }

    private sealed class Subscription(IJSObjectReference module, int handle, IDisposable? receiver) : IAsyncDisposable
    {
        private bool _disposed;

        public async ValueTask DisposeAsync()
        {
            if (_disposed)
                return;
            _disposed = true;
            try
            {
                await module.InvokeVoidAsync("unbind", handle);
            }
            catch (Exception e) when (e is JSDisconnectedException or ObjectDisposedException)
            {
                // The page is gone, and the JS state with it.
            }
            receiver?.Dispose();
        }
    }
}
