using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace PolyakDashboard.Runs;

/// <summary>Pushes what runs recorded since the last tick to their SignalR groups: at most one "points"
/// message per run per tick (20 a second at 50 ms), and a status change only after the points before it.</summary>
public sealed class MetricsBroadcaster : BackgroundService
{
    private readonly RunRegistry _registry;
    private readonly IHubContext<TrainingHub> _hub;
    private readonly RunOptions _options;
    private readonly ILogger<MetricsBroadcaster> _logger;
    private readonly ConcurrentDictionary<string, Cursor> _cursors = new();
    private readonly ConcurrentQueue<LiveRun> _statusChanges = new();

    public MetricsBroadcaster(RunRegistry registry, IHubContext<TrainingHub> hub, IOptions<RunOptions> options, ILogger<MetricsBroadcaster> logger)
    {
        (_registry, _hub, _options, _logger) = (registry, hub, options.Value, logger);
        _registry.Changed += run => { _cursors.TryAdd(run.Id, new Cursor(run)); _statusChanges.Enqueue(run); };
    }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Max(10, _options.BroadcastIntervalMs)));
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                try { await FlushAsync(stopping); }
                catch (Exception e) when (e is not OperationCanceledException) { _logger.LogWarning(e, "Broadcast failed"); }
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>Sends every new record, then the status changes; drops finished runs' cursors.</summary>
    public async Task FlushAsync(CancellationToken cancel = default)
    {
        foreach (var cursor in _cursors.Values) await FlushRecordsAsync(cursor, cancel);
        while (_statusChanges.TryDequeue(out var run))
        {
            // A run that just ended may have recorded more since the loop above: those go first.
            if (_cursors.TryGetValue(run.Id, out var cursor)) await FlushRecordsAsync(cursor, cancel);
            await _hub.Clients.Group(TrainingHub.Group(run.Id)).SendAsync("status", StatusUpdate.Of(run), cancel);
            if (run.IsFinished) _cursors.TryRemove(run.Id, out _);
        }
    }

    private async Task FlushRecordsAsync(Cursor cursor, CancellationToken cancel)
    {
        var run = cursor.Run;
        var group = _hub.Clients.Group(TrainingHub.Group(run.Id));
        var batches = run.Batches(cursor.Batches);
        if (batches.Length > 0)
        {
            cursor.Batches += batches.Length;
            await group.SendAsync("points", PointBatch.Of(run.Id, batches), cancel);
        }
        var epochs = run.Epochs(cursor.Epochs);
        if (epochs.Length > 0)
        {
            cursor.Epochs += epochs.Length;
            await group.SendAsync("epochs", EpochBatch.Of(run.Id, epochs), cancel);
        }
    }

    private sealed class Cursor(LiveRun run)
    {
        public LiveRun Run { get; } = run;
        public int Batches { get; set; }
        public int Epochs { get; set; }
    }
}
