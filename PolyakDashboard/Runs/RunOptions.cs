using PolyakCore.Training;

namespace PolyakDashboard.Runs;

/// <summary>Settings of the run queue ("Runs" in appsettings.json).</summary>
public sealed class RunOptions
{
    /// <summary>Runs training at once; default one per two cores (at least one).</summary>
    public int MaxConcurrentRuns { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Runs waiting at most; past this a new run gets a clear "queue full" answer.</summary>
    public int MaxQueueLength { get; set; } = 100;

    /// <summary>Finished runs kept in memory, oldest dropped first.</summary>
    public int MaxRunsKept { get; set; } = 500;

    /// <summary>Points per series in the history a late joiner receives.</summary>
    public int HistoryPoints { get; set; } = 2000;

    /// <summary>How often new points are pushed to browsers (ms); 50 ms is 20 messages a second per run.</summary>
    public int BroadcastIntervalMs { get; set; } = 50;

    public RunLimits Limits { get; set; } = new();
}
