using Orleans;

namespace PolyakDashboard.ScaleOut;

/// <summary>A worker silo's trainer, one per worker (keyed by the silo's name, activated there at start-up and kept):
/// it takes runs while it has room and streams their records to the dashboard that placed them.</summary>
/// <remarks>Only strings, bytes and numbers cross the wire: requests, epochs and summaries as PolyakJson, batches as
/// the run store's record chunks — the core knows nothing of Orleans.</remarks>
public interface IWorkerGrain : IGrainWithStringKey
{
    /// <summary>Starts the run if <paramref name="weight"/> slots are free; false (nothing started) when they are not.</summary>
    Task<bool> Start(string runId, string requestJson, int weight, IRunObserver observer);

    /// <summary>Stops a run (its summary follows as cancelled); false when this worker does not train it.</summary>
    Task<bool> Cancel(string runId);

    /// <summary>Whether this worker still trains the run (the dashboard's heartbeat).</summary>
    Task<bool> IsTraining(string runId);

    Task<WorkerLoad> Load();
}

/// <summary>Slots in use and slots in all ("Worker:RunsAtOnce").</summary>
[GenerateSerializer, Immutable]
public sealed record WorkerLoad([property: Id(0)] string Name, [property: Id(1)] int Used, [property: Id(2)] int Capacity);

/// <summary>The dashboard's end of a remote run: records in order, then the end.</summary>
public interface IRunObserver : IGrainObserver
{
    /// <summary>New records: <paramref name="count"/> batch records packed as one record chunk (may be 0), and new
    /// epochs as a PolyakJson array (or null).</summary>
    Task OnRecords(string runId, byte[] batches, int count, string? epochsJson);

    /// <summary>The run ended: its summary as PolyakJson.</summary>
    Task OnEnded(string runId, string summaryJson);
}
