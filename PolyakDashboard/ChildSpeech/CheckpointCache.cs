using Microsoft.Extensions.Options;
using PolyakCore.Text;

namespace PolyakDashboard.ChildSpeech;

/// <summary>Loaded checkpoints, least recently used dropped first. A checkpoint is handed out as a lease: one that is
/// dropped (evicted, or replaced by a new upload under its name) while a generation uses it is disposed only when
/// the last lease ends.</summary>
public sealed class CheckpointCache(TextLibraries libraries, IOptions<ChildSpeechOptions> options) : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Entry> _entries = [];
    private readonly int _capacity = Math.Max(1, options.Value.LoadedCheckpoints);
    private long _clock;

    /// <summary>Checkpoints in memory now.</summary>
    public int Count { get { lock (_gate) return _entries.Count; } }

    /// <summary>The checkpoint called <paramref name="name"/>, loaded once and shared; dispose the lease when done.</summary>
    /// <exception cref="CheckpointException">Unknown name, unreadable or corrupt file (the message says which).</exception>
    public Lease Acquire(string name)
    {
        var path = libraries.Checkpoints.Resolve(name);
        var file = new FileInfo(path);
        var stamp = (path, file.LastWriteTimeUtc, file.Length);    // a new upload under the same name is a new checkpoint
        lock (_gate)
        {
            if (_entries.TryGetValue(name, out var cached) && cached.Stamp == stamp) return cached.Lease(++_clock);
        }
        var loaded = Checkpoint.Load(path);                        // outside the lock: a big file does not hold up the others
        lock (_gate)
        {
            if (_entries.TryGetValue(name, out var raced) && raced.Stamp == stamp)
            {
                loaded.Dispose();                                  // someone loaded it meanwhile
                return raced.Lease(++_clock);
            }
            if (raced is not null) Drop(name, raced);
            var entry = new Entry(this, loaded, stamp);
            _entries[name] = entry;
            var lease = entry.Lease(++_clock);
            while (_entries.Count > _capacity)
            {
                var oldest = _entries.MinBy(e => e.Value.LastUsed);
                Drop(oldest.Key, oldest.Value);
            }
            return lease;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var (name, entry) in _entries.ToArray()) Drop(name, entry);
        }
    }

    private void Drop(string name, Entry entry)
    {
        _entries.Remove(name);
        entry.Dropped = true;
        if (entry.Users == 0) entry.Checkpoint.Dispose();
    }

    private sealed class Entry(CheckpointCache owner, LoadedCheckpoint checkpoint, (string, DateTime, long) stamp)
    {
        public LoadedCheckpoint Checkpoint { get; } = checkpoint;
        public (string, DateTime, long) Stamp { get; } = stamp;
        public long LastUsed { get; private set; }
        public int Users { get; private set; }
        public bool Dropped { get; set; }

        public Lease Lease(long now)
        {
            LastUsed = now;
            Users++;
            return new Lease(Checkpoint, () =>
            {
                lock (owner._gate)
                {
                    if (--Users == 0 && Dropped) Checkpoint.Dispose();
                }
            });
        }
    }

    /// <summary>A checkpoint in use; disposing it gives it back.</summary>
    public sealed class Lease(LoadedCheckpoint checkpoint, Action release) : IDisposable
    {
        private int _released;
        public LoadedCheckpoint Checkpoint { get; } = checkpoint;
        public void Dispose() { if (Interlocked.Exchange(ref _released, 1) == 0) release(); }
    }
}
