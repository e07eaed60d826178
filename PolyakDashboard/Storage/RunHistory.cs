using Microsoft.Extensions.Options;
using PolyakDashboard.Runs;

namespace PolyakDashboard.Storage;

/// <summary>Keeps every run in the store: loads the stored ones into the registry at start-up, writes live
/// runs as they stream, and deletes, imports and annotates runs.</summary>
/// <remarks>Every <see cref="RunOptions.PersistIntervalMs"/> (0.5 s) one transaction writes what each run
/// recorded since the last one, plus the rows of runs whose status changed; a crash so loses at most the
/// last interval or so, and the next start marks the runs it left queued or running as interrupted.
/// Registered before the run queue, so it starts first (history is in place before any run starts) and stops
/// last (its final flush sees the runs the queue cancelled on the way down). Writes of every kind take turns
/// on one semaphore, so a delete can never race a flush of the same run.</remarks>
public sealed class RunHistory : BackgroundService
{
    private readonly RunStore _store;
    private readonly RunRegistry _registry;
    private readonly RunOptions _options;
    private readonly ILogger<RunHistory> _logger;
    private readonly SemaphoreSlim _write = new(1, 1);
    private readonly Lock _gate = new();                         // cursors and _done change together
    private readonly Dictionary<string, Cursor> _cursors = [];
    private readonly HashSet<string> _done = [];                  // runs written to the end: late events are ignored

    public RunHistory(RunStore store, RunRegistry registry, IOptions<RunOptions> options, ILogger<RunHistory> logger) =>
        (_store, _registry, _options, _logger) = (store, registry, options.Value, logger);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _store.Open();
        var stored = _store.LoadNewest(_options.MaxRunsKept);
        foreach (var run in stored) _registry.Restore(run);
        if (stored.Count > 0) _logger.LogInformation("Loaded {Count} stored run(s) from {Path}", stored.Count, _store.DisplayPath);
        _registry.Changed += HandleChanged;
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Max(10, _options.PersistIntervalMs)));
        try
        {
            while (await timer.WaitForNextTickAsync(stopping)) await FlushAsync();
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>Stops the timer, then writes everything left (the queue, stopped before us, has ended its runs).</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (!await FlushAsync()) _logger.LogError("The last write to the run store failed; the newest records are lost");
    }

    /// <summary>Writes what every live run recorded since the last flush, in one transaction. False when the write
    /// failed (it is logged, and everything is tried again next time).</summary>
    public async Task<bool> FlushAsync()
    {
        await _write.WaitAsync();
        try
        {
            Cursor[] cursors;
            lock (_gate) cursors = [.. _cursors.Values];
            var pending = new List<(Cursor Cursor, bool Dirty, bool Finished, RunWrite Write)>();
            foreach (var cursor in cursors)
            {
                var run = cursor.Run;
                bool dirty = cursor.TakeDirty();
                bool finished = run.IsFinished;          // read before the records: a finished run has recorded all
                var batches = run.Batches(cursor.Batches);
                var epochs = run.Epochs(cursor.Epochs);
                var row = dirty || finished || !cursor.RowWritten ? run.ToStored() : null;
                if (row is null && batches.Length == 0 && epochs.Length == 0) continue;
                pending.Add((cursor, dirty, finished, new RunWrite(run.Id, row, batches, epochs)));
            }
            if (pending.Count == 0) return true;
            try
            {
                _store.Write([.. pending.Select(p => p.Write)]);
            }
            catch (Exception e)
            {
                foreach (var p in pending.Where(p => p.Dirty)) p.Cursor.MarkDirty();
                _logger.LogWarning(e, "Writing {Count} run(s) to the run store failed; trying again", pending.Count);
                return false;
            }
            bool anyStored = false;
            foreach (var (cursor, _, finished, write) in pending)
            {
                cursor.Batches += write.Batches.Count;
                cursor.Epochs += write.Epochs.Count;
                cursor.RowWritten = true;
                if (!finished) continue;
                lock (_gate) { _done.Add(cursor.Run.Id); _cursors.Remove(cursor.Run.Id); }
                cursor.Run.MarkStored();
                anyStored = true;
            }
            if (anyStored) _registry.Trim();      // stored to their end, old runs may now leave memory
            return true;
        }
        finally { _write.Release(); }
    }

    /// <summary>Deletes a finished run and its records from the store and from memory.</summary>
    public async Task PurgeAsync(LiveRun run)
    {
        if (!run.IsFinished) throw new InvalidOperationException($"Run {run.Id} is {run.Status}; only finished runs are deleted.");
        await _write.WaitAsync();
        try
        {
            lock (_gate) { _cursors.Remove(run.Id); _done.Remove(run.Id); }
            _store.Delete(run.Id);
            _registry.Remove(run.Id);
        }
        finally { _write.Release(); }
    }

    /// <summary>Stores a validated document as a finished run, under its own id unless that is taken (then a
    /// fresh one, in a launch of its own), and adds it to the registry.</summary>
    public async Task<LiveRun> ImportAsync(RunDocument document)
    {
        var (stored, batches, epochs) = (document.Run!, document.Batches!, document.Epochs!);
        await _write.WaitAsync();
        try
        {
            if (_registry.IsTaken(stored.Id))
                stored = stored with { Id = _registry.NewId(stored.ExperimentId ?? stored.Request.Problem), LaunchId = _registry.NewId("launch") };
            stored = stored with { Tags = stored.Tags ?? [] };
            _store.Write([new RunWrite(stored.Id, stored, batches, epochs)]);
            string id = stored.Id;
            var run = new LiveRun(stored, batches.Count == 0 ? 0 : batches[^1].Step, () => _store.LoadRecords(id));
            _registry.Restore(run);
            return run;
        }
        finally { _write.Release(); }
    }

    /// <summary>Replaces a run's tags and note, in memory and in the store.</summary>
    public async Task AnnotateAsync(LiveRun run, IReadOnlyList<string> tags, string? note)
    {
        await _write.WaitAsync();
        try
        {
            run.Annotate(tags, note);
            _store.Write([new RunWrite(run.Id, run.ToStored(), [], [])]);
        }
        finally { _write.Release(); }
    }

    // A run was added or changed status: its row needs writing (again).
    private void HandleChanged(LiveRun run)
    {
        lock (_gate)
        {
            if (_done.Contains(run.Id)) return;      // the event of an end already written
            if (!_cursors.TryGetValue(run.Id, out var cursor)) _cursors[run.Id] = cursor = new Cursor(run);
            cursor.MarkDirty();
        }
    }

    /// <summary>How much of a live run the store has.</summary>
    private sealed class Cursor(LiveRun run)
    {
        private int _dirty;
        public LiveRun Run { get; } = run;
        public int Batches { get; set; }
        public int Epochs { get; set; }
        public bool RowWritten { get; set; }
        public void MarkDirty() => Volatile.Write(ref _dirty, 1);
        public bool TakeDirty() => Interlocked.Exchange(ref _dirty, 0) == 1;
    }
}
