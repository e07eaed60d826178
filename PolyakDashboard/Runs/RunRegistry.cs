using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace PolyakDashboard.Runs;

/// <summary>Every run this process knows, by id, newest last.</summary>
public sealed class RunRegistry(IOptions<RunOptions> options)
{
    private readonly ConcurrentDictionary<string, LiveRun> _runs = new();
    private readonly ConcurrentQueue<string> _order = new();
    private int _counter;

    /// <summary>Raised when a run is added or changes status.</summary>
    public event Action<LiveRun>? Changed;

    public string NewId(string? hint = null)
    {
        int n = Interlocked.Increment(ref _counter);
        string stem = hint is null ? "run" : Cli.RunIds.Slug(hint);
        return $"{stem}-{DateTime.UtcNow:HHmmss}-{n}";
    }

    public void Add(LiveRun run)
    {
        if (!_runs.TryAdd(run.Id, run)) throw new InvalidOperationException($"Run id {run.Id} is taken.");
        _order.Enqueue(run.Id);
        run.StatusChanged += r => Changed?.Invoke(r);
        Trim();
        Changed?.Invoke(run);
    }

    public LiveRun? Get(string id) => _runs.TryGetValue(id, out var run) ? run : null;

    public IReadOnlyList<LiveRun> All => [.. _order.Select(Get).OfType<LiveRun>()];

    // Drops the oldest finished runs beyond the limit (persistence is the run-history issue's job).
    private void Trim()
    {
        while (_runs.Count > options.Value.MaxRunsKept && _order.TryPeek(out var oldest)
               && _runs.TryGetValue(oldest, out var run) && run.IsFinished)
        {
            _order.TryDequeue(out _);
            _runs.TryRemove(oldest, out _);
        }
    }
}
