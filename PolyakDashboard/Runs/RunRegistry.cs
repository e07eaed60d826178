using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace PolyakDashboard.Runs;

/// <summary>Runs kept beyond this process's memory (the run store): what the registry falls back to.</summary>
public interface IRunArchive
{
    /// <summary>The stored run, finished, its records read on first access; null when there is none.</summary>
    LiveRun? Find(string id);

    bool Contains(string id);
}

/// <summary>Every run this process knows, by id, newest last.</summary>
/// <remarks>Memory holds about <see cref="RunOptions.MaxRunsKept"/> runs; older finished ones are still found
/// by id through the archive (the run store), which trimming never touches.</remarks>
public sealed class RunRegistry(IOptions<RunOptions> options, IRunArchive? archive = null)
{
    private readonly ConcurrentDictionary<string, LiveRun> _runs = new();
    private readonly ConcurrentQueue<string> _order = new();
    private readonly Lock _trim = new();
    private int _counter;

    /// <summary>Raised when a run is added or changes status (not for runs restored from the store).</summary>
    public event Action<LiveRun>? Changed;

    /// <summary>A fresh id, taken neither here nor in the store (ids must stay unique across restarts).</summary>
    public string NewId(string? hint = null)
    {
        string stem = hint is null ? "run" : RunIds.Slug(hint);
        while (true)
        {
            int n = Interlocked.Increment(ref _counter);
            string id = $"{stem}-{DateTime.UtcNow:HHmmss}-{n}";
            if (!IsTaken(id)) return id;
        }
    }

    public bool IsTaken(string id) => _runs.ContainsKey(id) || archive?.Contains(id) == true;

    public void Add(LiveRun run)
    {
        Insert(run);
        run.StatusChanged += r => Changed?.Invoke(r);
        Changed?.Invoke(run);
    }

    /// <summary>Adds a finished run the store already holds (at start-up, after an import), raising no event:
    /// nothing about it needs writing or pushing.</summary>
    public void Restore(LiveRun run)
    {
        if (!run.IsFinished) throw new ArgumentException($"Only finished runs are restored; {run.Id} is {run.Status}.", nameof(run));
        Insert(run);
    }

    /// <summary>Forgets a run (its deletion from the store is the caller's job); false if it was not in memory.</summary>
    public bool Remove(string id) => _runs.TryRemove(id, out _);

    /// <summary>The run in memory, else the stored one (read afresh each time: it is old and rarely asked for).</summary>
    public LiveRun? Get(string id) => _runs.TryGetValue(id, out var run) ? run : archive?.Find(id);

    /// <summary>The runs in memory, oldest first.</summary>
    public IReadOnlyList<LiveRun> All => [.. _order.Distinct().Select(id => _runs.GetValueOrDefault(id)).OfType<LiveRun>()];

    private void Insert(LiveRun run)
    {
        if (!_runs.TryAdd(run.Id, run)) throw new InvalidOperationException($"Run id {run.Id} is taken.");
        _order.Enqueue(run.Id);
        Trim();
    }

    /// <summary>Drops the oldest finished runs beyond the limit from memory, once the store has them to their
    /// end (the store's writer calls this after writing runs' ends), and the ids of removed runs.</summary>
    public void Trim()
    {
        lock (_trim)
        {
            while (_order.TryPeek(out var oldest))
            {
                if (!_runs.TryGetValue(oldest, out var run)) { _order.TryDequeue(out _); continue; }
                if (_runs.Count <= options.Value.MaxRunsKept || !run.IsFinished || (archive is not null && !run.IsStored)) break;
                _order.TryDequeue(out _);
                _runs.TryRemove(oldest, out _);
            }
        }
    }
}
