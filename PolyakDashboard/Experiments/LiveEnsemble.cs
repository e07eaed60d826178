using PolyakCore.Experiments;
using PolyakCore.Training;

namespace PolyakDashboard.Experiments;

/// <summary>An experiment's grid over seeds, with its findings.</summary>
public sealed record ExperimentEnsemble(string ExperimentId, EnsembleResult Result, IReadOnlyList<Finding> Findings);

/// <summary>An ensemble computing (or computed) on this server: its quantile curves so far, for every page that shows
/// it filling in (late ones get what has been computed, then the rest), and how it ended.</summary>
/// <remarks>Progress arrives on the computing thread at most every <see cref="Ensemble.ProgressInterval"/>;
/// <see cref="Changed"/> handlers must hand it to their own thread.</remarks>
public sealed class LiveEnsemble
{
    private readonly CancellationTokenSource _cancel = new();
    private EnsembleProgress? _progress;
    private int _interest;

    internal LiveEnsemble(string? id, string experimentId, ExperimentOverrides overrides, EnsembleSpec spec,
        IReadOnlyList<RunRequest> configurations, DateTimeOffset createdAt)
    {
        (Id, ExperimentId, Overrides, Spec, Configurations, CreatedAt) = (id, experimentId, overrides, spec, configurations, createdAt);
        Names = [.. configurations.Select(c => ExperimentCatalog.RunId(experimentId, c))];
    }

    /// <summary>The stored group's id (the presenter's ensembles); null for a viewer's own, which is not stored.</summary>
    public string? Id { get; }
    public string ExperimentId { get; }
    public ExperimentOverrides Overrides { get; }
    public EnsembleSpec Spec { get; }
    public IReadOnlyList<RunRequest> Configurations { get; }
    /// <summary>Each configuration's name in files and tables (its run id).</summary>
    public IReadOnlyList<string> Names { get; }
    public DateTimeOffset CreatedAt { get; }

    /// <summary>The quantile curves so far (null until the first report).</summary>
    public EnsembleProgress? Progress => Volatile.Read(ref _progress);

    public RunStatus Status { get; private set; } = RunStatus.Running;
    public string? Message { get; private set; }
    public bool IsFinished => Status is not (RunStatus.Queued or RunStatus.Running);

    /// <summary>The result with its findings, once completed (or cancelled: the seeds' records up to the cancel).</summary>
    public ExperimentEnsemble? Result { get; private set; }

    /// <summary>Completes with the result; faults when the computation failed.</summary>
    public Task<ExperimentEnsemble> Completion { get; internal set; } = null!;      // set as it starts

    /// <summary>New progress, or the end.</summary>
    public event Action<LiveEnsemble>? Changed;

    /// <summary>Stops the computation (within a second: the engine looks at the token every step).</summary>
    public void Cancel()
    {
        try { _cancel.Cancel(); } catch (ObjectDisposedException) { }
    }

    internal CancellationToken Token => _cancel.Token;
    internal bool CancelRequested => _cancel.IsCancellationRequested;

    /// <summary>A page that asked for this (viewers' ensembles are shared): it holds interest until it leaves.</summary>
    internal void Join() => Interlocked.Increment(ref _interest);

    /// <summary>True when nobody is interested any more.</summary>
    internal bool Leave() => Interlocked.Decrement(ref _interest) <= 0;

    internal void Report(EnsembleProgress progress)
    {
        Volatile.Write(ref _progress, progress);
        Raise();
    }

    internal void End(RunStatus status, string? message, ExperimentEnsemble? result)
    {
        (Result, Message) = (result, message);
        Status = status;
        Raise();
    }

    private void Raise()
    {
        foreach (var handler in Changed?.GetInvocationList() ?? [])
        {
            try { ((Action<LiveEnsemble>)handler)(this); }
            catch (Exception) { }         // one page's failure must not stop the computation or the other pages
        }
    }
}
