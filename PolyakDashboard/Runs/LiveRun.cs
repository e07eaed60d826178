using PolyakCore.Training;

namespace PolyakDashboard.Runs;

/// <summary>What the run store keeps of a run besides its records (and the "run" of an exported file).</summary>
public sealed record StoredRun(string Id, string LaunchId, string? ExperimentId, RunRequest Request, RunStatus Status,
    string? Message, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, int TotalSteps,
    IReadOnlyList<string> ParameterNames, RunSummary? Summary, IReadOnlyList<string> Tags, string? Note)
{
    public bool IsFinished => Status is not (RunStatus.Queued or RunStatus.Running);

    /// <summary>The worker silo that trained it (Runs:Engine=orleans); null when the dashboard's own process did.</summary>
    public string? Worker { get; init; }
}

/// <summary>A run the server knows: its request, state and every record so far.</summary>
/// <remarks>Records are appended on the training thread and read by the hub and the API; a lock guards
/// the lists (appends are cheap and reads copy what they need). A run read back from the store is finished
/// and gets its records from a loader on first access, so start-up reads no records at all.</remarks>
public sealed class LiveRun : IRunSink
{
    private readonly object _gate = new();
    private List<BatchRecord>? _batches = [];
    private List<EpochRecord>? _epochs = [];
    private Func<RunRecorder>? _loadRecords;     // set until a stored run's records are read
    private readonly int _storedStep;
    private bool _isStored;
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

    /// <summary>A finished run from the store. <paramref name="step"/> is its last recorded step (so lists need
    /// no records); <paramref name="loadRecords"/> reads every record, once, when something first asks for one.</summary>
    public LiveRun(StoredRun stored, int step, Func<RunRecorder> loadRecords) : this(stored, step, loadRecords, elsewhere: false) { }

    /// <summary>A run as a shared store holds it while another dashboard instance trains it: what it had written by
    /// then, read-only (for a late joiner's history on this instance).</summary>
    public static LiveRun Elsewhere(StoredRun stored, int step, Func<RunRecorder> loadRecords) => new(stored, step, loadRecords, elsewhere: true);

    private LiveRun(StoredRun stored, int step, Func<RunRecorder> loadRecords, bool elsewhere)
    {
        if (!stored.IsFinished && !elsewhere) throw new ArgumentException($"A stored run must be finished; {stored.Id} is {stored.Status}.", nameof(stored));
        (Id, LaunchId, ExperimentId, Request, TotalSteps, ParameterNames) =
            (stored.Id, stored.LaunchId, stored.ExperimentId, stored.Request, stored.TotalSteps, stored.ParameterNames);
        (CreatedAt, StartedAt, FinishedAt, Status, Message, Summary) =
            (stored.CreatedAt, stored.StartedAt, stored.FinishedAt, stored.Status, stored.Message, stored.Summary);
        (Tags, Note, Worker) = (stored.Tags, stored.Note, stored.Worker);
        (_batches, _epochs, _storedStep, _loadRecords) = (null, null, step, loadRecords);
        IsStored = true;
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
    /// <summary>Free labels for finding runs again (none by default).</summary>
    public IReadOnlyList<string> Tags { get; private set; } = [];
    public string? Note { get; private set; }
    public CancellationToken CancellationToken => _cancel.Token;

    /// <summary>The worker silo training it (Runs:Engine=orleans); null for a run trained in this process.</summary>
    public string? Worker { get; private set; }

    /// <summary>Set by the engine when a worker takes the run.</summary>
    public void AssignWorker(string worker) => Worker = worker;

    public bool IsFinished => Status is not (RunStatus.Queued or RunStatus.Running);

    /// <summary>True once the run store holds this run to its end (always for a run read from it): only
    /// then may the registry drop it from memory.</summary>
    public bool IsStored { get => Volatile.Read(ref _isStored); private set => Volatile.Write(ref _isStored, value); }

    /// <summary>True while a stored run's records have not been read yet.</summary>
    public bool RecordsPending { get { lock (_gate) return _loadRecords is not null; } }

    public int Step
    {
        get
        {
            lock (_gate)
            {
                if (_loadRecords is not null) return _storedStep;
                return _batches!.Count == 0 ? 0 : _batches[^1].Step;
            }
        }
    }

    public int BatchCount { get { lock (_gate) return LoadedBatches().Count; } }

    public int EpochCount { get { lock (_gate) return LoadedEpochs().Count; } }

    /// <summary>Raised after every status change (on whichever thread made it).</summary>
    public event Action<LiveRun>? StatusChanged;

    public void OnBatch(BatchRecord record) { lock (_gate) LoadedBatches().Add(record); }

    public void OnEpoch(EpochRecord record) { lock (_gate) LoadedEpochs().Add(record); }

    public BatchRecord[] Batches(int from = 0)
    {
        lock (_gate)
        {
            var batches = LoadedBatches();
            return from >= batches.Count ? [] : batches.GetRange(from, batches.Count - from).ToArray();
        }
    }

    public EpochRecord[] Epochs(int from = 0)
    {
        lock (_gate)
        {
            var epochs = LoadedEpochs();
            return from >= epochs.Count ? [] : epochs.GetRange(from, epochs.Count - from).ToArray();
        }
    }

    /// <summary>The run as the store keeps it (one consistent read of its state).</summary>
    public StoredRun ToStored()
    {
        lock (_gate)
            return new(Id, LaunchId, ExperimentId, Request, Status, Message, CreatedAt, StartedAt, FinishedAt, TotalSteps,
                ParameterNames, Summary, Tags, Note) { Worker = Worker };
    }

    /// <summary>Replaces the run's tags and note.</summary>
    public void Annotate(IReadOnlyList<string> tags, string? note)
    {
        lock (_gate) (Tags, Note) = (tags, note);
    }

    /// <summary>Called by the store's writer after the run's last record and final status are committed.</summary>
    public void MarkStored()
    {
        if (!IsFinished) throw new InvalidOperationException($"Run {Id} is {Status}; only a finished run is stored to its end.");
        IsStored = true;
    }

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

    // Under _gate. A stored run reads its records here, once; if the read fails it is tried again next time.
    private List<BatchRecord> LoadedBatches() { LoadRecords(); return _batches!; }

    private List<EpochRecord> LoadedEpochs() { LoadRecords(); return _epochs!; }

    private void LoadRecords()
    {
        if (_loadRecords is null) return;
        var records = _loadRecords();
        (_batches, _epochs, _loadRecords) = (records.Batches, records.Epochs, null);
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
