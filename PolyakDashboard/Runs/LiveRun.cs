using PolyakCore.Training;

namespace PolyakDashboard.Runs;

/// <summary>A run the server knows: its request, state and every record so far.</summary>
/// <remarks>Records are appended on the training thread and read by the hub and the API; a lock guards
/// the lists (appends are cheap and reads copy what they need).</remarks>
public sealed class LiveRun : IRunSink
{
    private readonly object _gate = new();
    private readonly List<BatchRecord> _batches = [];
    private readonly List<EpochRecord> _epochs = [];
    private readonly CancellationTokenSource _cancel = new();

    public LiveRun(string id, RunRequest request, int totalSteps, IReadOnlyList<string> parameterNames, string? experimentId = null, string? launchId = null)
    {
        LaunchId = launchId ?? id;
        Id = id;
        Request = request;
        TotalSteps = totalSteps;
        ParameterNames = parameterNames;
        ExperimentId = experimentId;
        CreatedAt = DateTimeOffset.UtcNow;
    }

    public string Id { get; }
    public RunRequest Request { get; }
    public string? ExperimentId { get; }
    /// <summary>Shared by the runs started together (one experiment grid).</summary>
    public string LaunchId { get; }
    public int TotalSteps { get; }
    public IReadOnlyList<string> ParameterNames { get; }
    public DateTimeOffset CreatedAt { get; }
    public DateTimeOffset? StartedAt { get; private set; }
    public DateTimeOffset? FinishedAt { get; private set; }
    public RunStatus Status { get; private set; } = RunStatus.Queued;
    public string? Message { get; private set; }
    public RunSummary? Summary { get; private set; }
    public CancellationToken CancellationToken => _cancel.Token;

    public bool IsFinished => Status is not (RunStatus.Queued or RunStatus.Running);

    public int Step { get { lock (_gate) return _batches.Count == 0 ? 0 : _batches[^1].Step; } }

    public int BatchCount { get { lock (_gate) return _batches.Count; } }

    public int EpochCount { get { lock (_gate) return _epochs.Count; } }

    /// <summary>Raised after every status change (on whichever thread made it).</summary>
    public event Action<LiveRun>? StatusChanged;

    public void OnBatch(BatchRecord record) { lock (_gate) _batches.Add(record); }

    public void OnEpoch(EpochRecord record) { lock (_gate) _epochs.Add(record); }

    public BatchRecord[] Batches(int from = 0) { lock (_gate) return from >= _batches.Count ? [] : _batches.GetRange(from, _batches.Count - from).ToArray(); }

    public EpochRecord[] Epochs(int from = 0) { lock (_gate) return from >= _epochs.Count ? [] : _epochs.GetRange(from, _epochs.Count - from).ToArray(); }

    public void MarkRunning() => SetStatus(RunStatus.Running, null, started: true);

    public void Finish(RunSummary summary)
    {
        Summary = summary;
        SetStatus(summary.Status, summary.Message, finished: true);
    }

    public void Fail(string message) => SetStatus(RunStatus.Failed, message, finished: true);

    /// <summary>Asks the run to stop; a queued run is cancelled at once.</summary>
    public void Cancel()
    {
        _cancel.Cancel();
        if (Status == RunStatus.Queued) SetStatus(RunStatus.Cancelled, "Cancelled before it started.", finished: true);
    }

    private void SetStatus(RunStatus status, string? message, bool started = false, bool finished = false)
    {
        lock (_gate)
        {
            if (IsFinished) return;     // the first end wins (a cancel racing a completion)
            Status = status;
            Message = message;
            if (started) StartedAt = DateTimeOffset.UtcNow;
            if (finished) FinishedAt = DateTimeOffset.UtcNow;
        }
        StatusChanged?.Invoke(this);
    }
}
