using PolyakCore.Training;

namespace PolyakDashboard.Runs;

/// <summary>Settings of the run queue ("Runs" in appsettings.json).</summary>
public sealed class RunOptions
{
    /// <summary>Runs training at once; default one per two cores (at least one).</summary>
    public int MaxConcurrentRuns { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Runs waiting at most; past this a new run gets a clear "queue full" answer.</summary>
    public int MaxQueueLength { get; set; } = 100;

    /// <summary>Finished runs kept in memory, oldest dropped first (the run store keeps them all; the newest
    /// this many are loaded at start-up, and older ones are still found by id).</summary>
    public int MaxRunsKept { get; set; } = 500;

    /// <summary>Points per series in the history a late joiner receives.</summary>
    public int HistoryPoints { get; set; } = 2000;

    /// <summary>How often new points are pushed to browsers (ms); 50 ms is 20 messages a second per run.</summary>
    public int BroadcastIntervalMs { get; set; } = 50;

    /// <summary>How often live runs' new records are written to the run store (ms); a crash loses about this much.</summary>
    public int PersistIntervalMs { get; set; } = 500;

    /// <summary>Largest run document <c>POST /api/runs/import</c> takes (bytes); a million records are about 200 MB.</summary>
    public long MaxImportBytes { get; set; } = 256L * 1024 * 1024;

    public RunLimits Limits { get; set; } = new();
}
