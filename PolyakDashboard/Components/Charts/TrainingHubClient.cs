using Microsoft.JSInterop;

namespace PolyakDashboard.Components.Charts;

/// <summary>A run's status as the training hub reports it.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Status">queued | running | completed | diverged | cancelled | failed.</param>
/// <param name="Message">Detail, e.g. an error; null when there is none.</param>
/// <param name="Step">Batches done so far.</param>
/// <param name="TotalSteps">Batches planned.</param>
public sealed record RunStatusUpdate(string RunId, string Status, string? Message, long Step, long TotalSteps);

/// <summary>Series <paramref name="SeriesId"/> of the chart <paramref name="ChartElementId"/>, fed from run <paramref name="RunId"/>.</summary>
/// <param name="ChartElementId">The chart's element id (<see cref="LiveChart.ElementId"/>); give the series its name and
/// colour first with <see cref="LiveChart.SetSeriesAsync"/> (an unknown series is created, named after its id).</param>
/// <param name="Field">y values: "loss", "stepSize" or "gradNormSq" (source "points"); "loss" or "valLoss" (source "epochs").</param>
/// <param name="XField">x values: "step" or "epoch".</param>
/// <param name="Source">"points" (one record per batch) or "epochs" (full-data loss at each epoch's end).</param>
public sealed record SeriesFeed(string ChartElementId, string SeriesId, string RunId, string Field, string XField, string Source = "points")
{
    public SeriesFeed(LiveChart chart, string seriesId, string runId, string field, string xField, string source = "points")
        : this(chart.ElementId, seriesId, runId, field, xField, source) { }
}

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
    /// Feeds every series in <paramref name="feeds"/> from its run: the history so far, then every new point; after a
    /// reconnect each series is replaced by fresh history. One call to the page and one subscription call to the hub for
    /// all of them (a launch's 24 runs on three charts each took 72 calls one after another).
    /// </summary>
    /// <returns>Disposing it stops the feeds (and unsubscribes each run once nothing else follows it).</returns>
    public async ValueTask<IAsyncDisposable> BindAllAsync(IReadOnlyList<SeriesFeed> feeds)
    {
        var module = await GetModuleAsync();
        var handles = await module.InvokeAsync<int[]?>("bindAll", feeds) ?? [];
        return new Subscription(module, handles, null);
    }

    /// <summary>Calls <paramref name="onStatus"/> with the run's current status and on every change (a few messages per run).</summary>
    /// <remarks>Runs on the circuit's dispatcher; a component still calls StateHasChanged itself.</remarks>
    /// <returns>Disposing it stops the callbacks.</returns>
    public async ValueTask<IAsyncDisposable> OnStatusAsync(string runId, Func<RunStatusUpdate, Task> onStatus)
    {
        var module = await GetModuleAsync();
        var receiver = DotNetObjectReference.Create(new StatusReceiver(onStatus));
        var handle = await module.InvokeAsync<int>("onStatus", runId, receiver, nameof(StatusReceiver.HandleStatusAsync));
        return new Subscription(module, [handle], receiver);
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

    private sealed class Subscription(IJSObjectReference module, int[] handles, IDisposable? receiver) : IAsyncDisposable
    {
        private bool _disposed;

        public async ValueTask DisposeAsync()
        {
            if (_disposed)
                return;
            _disposed = true;
            try
            {
                await module.InvokeVoidAsync("unbindAll", handles);
            }
            catch (Exception e) when (e is JSDisconnectedException or ObjectDisposedException)
            {
                // The page is gone, and the JS state with it.
            }
            receiver?.Dispose();
        }
    }
}
