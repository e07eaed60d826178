using System.Collections.Concurrent;
using System.Text.Json;
using Orleans;
using Orleans.Runtime;
using PolyakCore.Training;
using PolyakDashboard.Runs;
using PolyakDashboard.Storage;

namespace PolyakDashboard.ScaleOut;

/// <summary>Runs:Engine=orleans: the run queue's runs train on worker silos instead of this process's threads. Each run
/// goes to the least-loaded worker with room (child-speech runs take two slots), its records come back through a grain
/// observer into the same <see cref="LiveRun"/> a local run fills, so broadcasting and the store see no difference.</summary>
/// <remarks>Faults: a cancel is sent to the worker at once (it stops within its next step). A worker that stops
/// answering for <see cref="LostAfter"/> (killed, cut off) leaves its runs <c>interrupted</c> — not requeued: a run
/// half-trained on a dead machine is shown as such, and the presenter may start it again. No worker with room: the run
/// waits (running, no worker yet) until one has room or joins.</remarks>
public sealed class OrleansEngine(IClusterClient client, ILogger<OrleansEngine> logger) : IRunEngine
{
    public static readonly TimeSpan LostAfter = TimeSpan.FromSeconds(10);
    public const string LostMessage = "The worker {0} stopped while this run was running.";
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _placing = new(1, 1);     // one placement at a time: loads seen are loads used

    public RunSummary Execute(LiveRun run, CancellationToken cancel) => ExecuteAsync(run, cancel).GetAwaiter().GetResult();

    /// <summary>Slots a run takes: a character model (child speech) is heavy.</summary>
    public static int Weight(RunRequest request) => request.Problem == "child-speech" ? 2 : 1;

    private async Task<RunSummary> ExecuteAsync(LiveRun run, CancellationToken cancel)
    {
        var observer = new RunObserver(run);
        var reference = client.CreateObjectReference<IRunObserver>(observer);
        try
        {
            var (worker, name) = await PlaceAsync(run, reference, cancel) is { } placed ? placed : default;
            if (worker is null) return Cancelled(run);
            run.AssignWorker(name);
            logger.LogInformation("Run {Id} placed on worker {Worker}", run.Id, name);
            return await WatchAsync(run, worker, name, observer, cancel);
        }
        finally { client.DeleteObjectReference<IRunObserver>(reference); }
    }

    private async Task<(IWorkerGrain Worker, string Name)?> PlaceAsync(LiveRun run, IRunObserver reference, CancellationToken cancel)
    {
        string request = JsonSerializer.Serialize(run.Request, PolyakJson.Options);
        int weight = Weight(run.Request);
        while (!cancel.IsCancellationRequested)
        {
            await _placing.WaitAsync(cancel).ConfigureAwait(false);
            try
            {
                foreach (var load in (await LoadsAsync()).OrderBy(l => (double)l.Used / Math.Max(1, l.Capacity)).ThenBy(l => l.Used))
                {
                    if (load.Used > 0 && load.Used + weight > load.Capacity) continue;
                    var worker = client.GetGrain<IWorkerGrain>(load.Name);
                    if (await worker.Start(run.Id, request, weight, reference).WaitAsync(TimeSpan.FromSeconds(10), cancel)) return (worker, load.Name);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException) { logger.LogWarning(e, "Placing run {Id} failed; trying again", run.Id); }
            finally { _placing.Release(); }
            try { await Task.Delay(250, cancel); } catch (OperationCanceledException) { break; }
        }
        return null;
    }

    /// <summary>Every active worker's load (a worker that does not answer within 2 s is left out this time).</summary>
    public async Task<IReadOnlyList<WorkerLoad>> LoadsAsync()
    {
        var hosts = await client.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: true);
        var loads = await Task.WhenAll(hosts.Select(async h =>
        {
            try { return await client.GetGrain<IWorkerGrain>(h.SiloName).Load().WaitAsync(TimeSpan.FromSeconds(2)); }
            catch (Exception e) when (e is not OperationCanceledException) { return null; }
        }));
        return [.. loads.OfType<WorkerLoad>()];
    }

    private async Task<RunSummary> WatchAsync(LiveRun run, IWorkerGrain worker, string name, RunObserver observer, CancellationToken cancel)
    {
        bool cancelSent = false;
        var lastSeen = DateTime.UtcNow;
        using var cancelled = cancel.Register(() => _ = worker.Cancel(run.Id));   // at once, not at the next heartbeat
        while (true)
        {
            var ended = await Task.WhenAny(observer.Ended, Task.Delay(Heartbeat));
            if (ended == observer.Ended) return await observer.Ended;
            if (cancel.IsCancellationRequested && !cancelSent)
                cancelSent = await TryAsync(() => worker.Cancel(run.Id)) ?? false;
            bool? training = await TryAsync(() => worker.IsTraining(run.Id));
            if (training == true) lastSeen = DateTime.UtcNow;
            else if (training == false)
            {
                // Its end may be on the way: give it a moment before calling the run lost.
                if (await Task.WhenAny(observer.Ended, Task.Delay(TimeSpan.FromSeconds(2))) == observer.Ended) return await observer.Ended;
                return Lost(run, name);
            }
            if (DateTime.UtcNow - lastSeen > LostAfter) return Lost(run, name);
        }
    }

    private async Task<T?> TryAsync<T>(Func<Task<T>> call) where T : struct
    {
        try { return await call().WaitAsync(TimeSpan.FromSeconds(2)); }
        catch (Exception e) when (e is not OperationCanceledException || e is TaskCanceledException) { logger.LogDebug(e, "Worker call failed"); return null; }
    }

    private RunSummary Lost(LiveRun run, string worker)
    {
        logger.LogWarning("Run {Id}: worker {Worker} is gone; the run is interrupted", run.Id, worker);
        return Ending(run, RunStatus.Interrupted, string.Format(LostMessage, worker));
    }

    private static RunSummary Cancelled(LiveRun run) => Ending(run, RunStatus.Cancelled, "Cancelled before it started.");

    private static RunSummary Ending(LiveRun run, RunStatus status, string message) => new()
    {
        Status = status, Message = message, Steps = run.Step, TotalSteps = run.TotalSteps, FinalLoss = double.NaN,
        ParameterNames = run.ParameterNames, Request = run.Request,
    };

    /// <summary>Puts a remote run's records into its <see cref="LiveRun"/>, in order, and holds its end.</summary>
    private sealed class RunObserver(LiveRun run) : IRunObserver
    {
        private readonly TaskCompletionSource<RunSummary> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Task<RunSummary> Ended => _ended.Task;

        public Task OnRecords(string runId, byte[] batches, int count, string? epochsJson)
        {
            if (count > 0 && RecordChunk.IsValid(batches, count))
            {
                var records = new List<BatchRecord>(count);
                RecordChunk.ReadRecords(batches, count, count, records);
                foreach (var r in records) run.OnBatch(r);
            }
            if (epochsJson is not null)
                foreach (var e in JsonSerializer.Deserialize<EpochRecord[]>(epochsJson, PolyakJson.Options)!) run.OnEpoch(e);
            return Task.CompletedTask;
        }

        public Task OnEnded(string runId, string summaryJson)
        {
            _ended.TrySetResult(JsonSerializer.Deserialize<RunSummary>(summaryJson, PolyakJson.Options)!);
            return Task.CompletedTask;
        }
    }
}
