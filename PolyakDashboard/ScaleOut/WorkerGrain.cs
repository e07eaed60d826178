using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Placement;
using Orleans.Runtime;
using PolyakCore.Training;
using PolyakDashboard.ChildSpeech;
using PolyakDashboard.Runs;
using PolyakDashboard.Storage;

namespace PolyakDashboard.ScaleOut;

/// <summary>Settings of a worker silo ("Worker" in appsettings or on the command line).</summary>
public sealed class WorkerOptions
{
    /// <summary>The silo's name (the run's "worker" field); default the machine name and process id.</summary>
    public string? Name { get; set; }

    /// <summary>Runs trained at once; default one per two cores. A child-speech run takes two slots (heavy).</summary>
    public int RunsAtOnce { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>The address other silos and dashboards reach this one at; default 127.0.0.1 (one machine).</summary>
    public string Address { get; set; } = "127.0.0.1";

    public int SiloPort { get; set; } = 11111;
    public int GatewayPort { get; set; } = 30000;

    /// <summary>How often new records go to the dashboard (ms).</summary>
    public int SendIntervalMs { get; set; } = 50;
}

/// <summary>Trains runs on this worker on threads of their own and pumps their records to the placing dashboard.</summary>
/// <remarks>Kept active (<see cref="KeepAliveAttribute"/>) and placed on its own silo: it refuses to activate on a silo
/// of another name, so a call never trains a run on the wrong machine.</remarks>
[KeepAlive, PreferLocalPlacement]
public sealed class WorkerGrain(ILocalSiloDetails silo, IOptions<WorkerOptions> options, IOptions<RunOptions> runOptions,
    TextLibraries text, ILogger<WorkerGrain> logger) : Grain, IWorkerGrain
{
    private readonly ConcurrentDictionary<string, Training> _runs = new();
    private readonly Lock _slots = new();
    private int _used;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (this.GetPrimaryKeyString() != silo.Name)
            throw new InvalidOperationException($"Worker {this.GetPrimaryKeyString()} cannot run on silo {silo.Name}.");
        return Task.CompletedTask;
    }

    public Task<WorkerLoad> Load() => Task.FromResult(new WorkerLoad(silo.Name, Volatile.Read(ref _used), options.Value.RunsAtOnce));

    public Task<bool> IsTraining(string runId) => Task.FromResult(_runs.ContainsKey(runId));

    public Task<bool> Cancel(string runId)
    {
        if (!_runs.TryGetValue(runId, out var training)) return Task.FromResult(false);
        training.Cancel.Cancel();
        return Task.FromResult(true);
    }

    public Task<bool> Start(string runId, string requestJson, int weight, IRunObserver observer)
    {
        var request = JsonSerializer.Deserialize<RunRequest>(requestJson, PolyakJson.Options)!;
        lock (_slots)
        {
            if (_runs.ContainsKey(runId) || _used + weight > Math.Max(weight, options.Value.RunsAtOnce) && _used > 0) return Task.FromResult(false);
            _used += weight;
        }
        var training = new Training(runId, request, weight, observer);
        _runs[runId] = training;
        _ = Task.Run(() => TrainAsync(training));
        return Task.FromResult(true);
    }

    private async Task TrainAsync(Training training)
    {
        var limits = RunService.ServerLimits(runOptions.Value);
        var sink = new RunRecorder();
        var buffer = new BufferedSink();
        var train = RunThread.Start(() => RunEngine.Run(training.Request, buffer, training.Cancel.Token, limits,
            text.EnvironmentFor(training.RunId, training.Request.Optimizer)), $"run {training.RunId}");
        RunSummary summary;
        try
        {
            while (!train.IsCompleted)
            {
                await Task.WhenAny(train, Task.Delay(Math.Max(10, options.Value.SendIntervalMs)));
                await SendAsync(training, buffer);
            }
            summary = await train;
        }
        catch (Exception e)
        {
            logger.LogError(e, "Run {Id} failed on worker {Worker}", training.RunId, silo.Name);
            summary = new RunSummary { Status = RunStatus.Failed, Message = e.Message, Request = training.Request };
        }
        try
        {
            await SendAsync(training, buffer);
            await training.Observer.OnEnded(training.RunId, JsonSerializer.Serialize(summary, PolyakJson.Options));
        }
        catch (Exception e) { logger.LogWarning(e, "The end of run {Id} could not be sent to its dashboard", training.RunId); }
        finally
        {
            _runs.TryRemove(training.RunId, out _);
            lock (_slots) _used -= training.Weight;
        }
    }

    // The dashboard gone (its calls failing for ~5 s) means nobody watches: the run stops.
    private async Task SendAsync(Training training, BufferedSink buffer)
    {
        var (batches, epochs) = buffer.Take();
        if (batches.Count == 0 && epochs.Count == 0) return;
        try
        {
            await training.Observer.OnRecords(training.RunId, batches.Count == 0 ? [] : RecordChunk.Pack(batches), batches.Count,
                epochs.Count == 0 ? null : JsonSerializer.Serialize(epochs, PolyakJson.Options));
            training.FailedSends = 0;
        }
        catch (Exception e)
        {
            buffer.PutBack(batches, epochs);
            if (++training.FailedSends * Math.Max(10, options.Value.SendIntervalMs) > 5000 || training.FailedSends > 20)
            {
                logger.LogWarning(e, "Run {Id}: its dashboard does not answer; the run stops", training.RunId);
                training.Cancel.Cancel();
            }
        }
    }

    private sealed class Training(string runId, RunRequest request, int weight, IRunObserver observer)
    {
        public string RunId { get; } = runId;
        public RunRequest Request { get; } = request;
        public int Weight { get; } = weight;
        public IRunObserver Observer { get; } = observer;   // a strong reference for the run's length
        public CancellationTokenSource Cancel { get; } = new();
        public int FailedSends { get; set; }
    }

    /// <summary>Records from the training thread, taken in order by the sender.</summary>
    private sealed class BufferedSink : IRunSink
    {
        private readonly Lock _gate = new();
        private List<BatchRecord> _batches = [];
        private List<EpochRecord> _epochs = [];

        public void OnBatch(BatchRecord record) { lock (_gate) _batches.Add(record); }
        public void OnEpoch(EpochRecord record) { lock (_gate) _epochs.Add(record); }

        public (List<BatchRecord>, List<EpochRecord>) Take()
        {
            lock (_gate)
            {
                var taken = (_batches, _epochs);
                (_batches, _epochs) = ([], []);
                return taken;
            }
        }

        public void PutBack(List<BatchRecord> batches, List<EpochRecord> epochs)
        {
            lock (_gate)
            {
                _batches.InsertRange(0, batches);
                _epochs.InsertRange(0, epochs);
            }
        }
    }
}
