using System.Collections.Concurrent;
using System.Text.Json;
using PolyakCore.Experiments;
using PolyakCore.Training;
using PolyakDashboard.Storage;

namespace PolyakDashboard.Experiments;

/// <summary>Runs an experiment page's grid over many seeds as one batched computation (on a thread of its own).
/// The presenter's ensembles are stored as one group each in the run store (listed on the Runs page) and followed by
/// the audience; a viewer's own are not stored (storing is a change, and changes are the presenter's) and are shared:
/// a room of viewers asking for the same ensemble costs one computation.</summary>
public sealed class EnsembleService(EnsembleStore? store = null, TimeProvider? time = null, ILogger<EnsembleService>? log = null)
{
    public const int MaxSeeds = 200;
    private const int Kept = 4;          // viewers' results kept (a 20-seed 1b grid: a few MB of curves and summaries)
    private readonly ConcurrentDictionary<string, LiveEnsemble> _shared = new();
    private readonly ConcurrentQueue<string> _order = new();
    private readonly ConcurrentDictionary<string, LiveEnsemble> _latest = new();     // the presenter's newest, by experiment
    private readonly Lock _idGate = new(), _sharedGate = new();
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>The presenter started an ensemble (its followers' pages switch to it).</summary>
    public event Action<LiveEnsemble>? Started;

    /// <summary>Field errors of a request for an ensemble (none: go ahead).</summary>
    public static IReadOnlyList<FieldError> Validate(string experimentId, ExperimentOverrides overrides, EnsembleSpec spec)
    {
        var errors = new List<FieldError>();
        if (!FindingsService.Has(experimentId)) errors.Add(new("experiment", $"Ensembles run on the small experiments (1a, 1b, 1c, 1e, 1b-fixes, 1e-fixes), not '{experimentId}'."));
        if (spec.Seeds is < 1 or > MaxSeeds) errors.Add(new("seeds", $"Seeds must be 1 to {MaxSeeds}; got {spec.Seeds}."));
        if (errors.Count > 0) return errors;
        foreach (var request in ExperimentCatalog.Get(experimentId, overrides).Runs)
            errors.AddRange(RunValidation.Validate(request));
        return [.. errors.DistinctBy(e => e.Field)];
    }

    /// <summary>A viewer's ensemble: not stored; joins the same request's computation when one is running or kept.
    /// Call <see cref="Leave"/> when the page no longer wants it (the last one to leave a running one cancels it).</summary>
    public LiveEnsemble Compute(string experimentId, ExperimentOverrides overrides, EnsembleSpec spec)
    {
        EnsureValid(experimentId, overrides, spec);
        string key = experimentId + JsonSerializer.Serialize(overrides, PolyakJson.Options) + JsonSerializer.Serialize(spec, PolyakJson.Options);
        LiveEnsemble live;
        lock (_sharedGate)
        {
            // A failure or a cancel is not kept: the next ask computes again.
            if (!_shared.TryGetValue(key, out live!) || live.Status is RunStatus.Failed or RunStatus.Cancelled || live.CancelRequested)
                _shared[key] = live = Begin(null, experimentId, overrides, spec, key);
        }
        live.Join();
        while (_order.Count > Kept && _order.TryDequeue(out var old)) _shared.TryRemove(old, out _);
        return live;
    }

    /// <summary>A result not stored (the fixes view's): shared with anyone asking the same, awaited whole.</summary>
    public async Task<ExperimentEnsemble> RunAsync(string experimentId, ExperimentOverrides overrides, EnsembleSpec spec)
    {
        var live = Compute(experimentId, overrides, spec);
        try { return await live.Completion; }
        finally { Leave(live); }
    }

    /// <summary>A page leaves a viewer's ensemble it asked for; the last one out cancels it while it runs.</summary>
    public void Leave(LiveEnsemble live)
    {
        if (live.Id is not null || !live.Leave() || live.IsFinished) return;
        live.Cancel();
    }

    /// <summary>The presenter's ensemble: stored as a group at once (status running) and completed with its curves,
    /// spreads, counts, each seed's summary and the findings when it ends.</summary>
    public LiveEnsemble Start(string experimentId, ExperimentOverrides overrides, EnsembleSpec spec)
    {
        EnsureValid(experimentId, overrides, spec);
        LiveEnsemble live;
        lock (_idGate) live = Begin(NewId(experimentId), experimentId, overrides, spec, key: null);
        _latest[experimentId] = live;
        try { Started?.Invoke(live); }
        catch (Exception e) { log?.LogWarning(e, "A follower failed to follow the ensemble {Id}", live.Id); }
        return live;
    }

    /// <summary>The presenter's newest ensemble of an experiment on this server (what a late joiner's page shows).</summary>
    public LiveEnsemble? Latest(string experimentId) => _latest.GetValueOrDefault(experimentId);

    /// <summary>A presenter's ensemble still in memory, by its group id.</summary>
    public LiveEnsemble? Find(string id) => _latest.Values.FirstOrDefault(l => l.Id == id);

    /// <summary>Forgets a deleted group (a page showing it keeps what it has).</summary>
    public void Forget(string id)
    {
        foreach (var (experiment, live) in _latest)
            if (live.Id == id) _latest.TryRemove(KeyValuePair.Create(experiment, live));
    }

    private static void EnsureValid(string experimentId, ExperimentOverrides overrides, EnsembleSpec spec)
    {
        var errors = Validate(experimentId, overrides, spec);
        if (errors.Count > 0) throw new RunValidationException(errors);
    }

    private LiveEnsemble Begin(string? id, string experimentId, ExperimentOverrides overrides, EnsembleSpec spec, string? key)
    {
        var configurations = ExperimentCatalog.Get(experimentId, overrides).Runs;
        var live = new LiveEnsemble(id, experimentId, overrides, spec, configurations, _time.GetUtcNow());
        StoredEnsemble? group = null;
        if (id is not null && store is not null)
        {
            group = new StoredEnsemble(id, experimentId, overrides, spec, configurations.Count, configurations[0].Problem,
                [.. configurations.Select(c => c.Optimizer).Distinct()], RunStatus.Running, null, live.CreatedAt, null, null, []);
            store.Insert(group);
        }
        if (key is not null) _order.Enqueue(key);
        live.Completion = ComputeAsync(live, group);
        return live;
    }

    private async Task<ExperimentEnsemble> ComputeAsync(LiveEnsemble live, StoredEnsemble? group)
    {
        try
        {
            var ensemble = await RunThread.Start(() =>
            {
                var result = Ensemble.Run(live.Configurations, live.Spec, cancel: live.Token, progress: live.Report);
                // Findings of a cancelled ensemble would speak of seeds that never finished.
                var findings = live.CancelRequested ? [] : Findings.For(live.ExperimentId, result);
                return new ExperimentEnsemble(live.ExperimentId, result, findings);
            }, $"ensemble {live.ExperimentId}");
            var status = live.CancelRequested ? RunStatus.Cancelled : RunStatus.Completed;
            string? message = status == RunStatus.Cancelled ? "Cancelled." : null;
            if (group is not null)
                Finish(group with
                {
                    Status = status, Message = message, FinishedAt = _time.GetUtcNow(), Seconds = ensemble.Result.Seconds, Findings = ensemble.Findings,
                }, ensemble, live.Names);
            live.End(status, message, ensemble);
            return ensemble;
        }
        catch (Exception e)
        {
            log?.LogError(e, "Ensemble of {Experiment} failed", live.ExperimentId);
            if (group is not null) Finish(group with { Status = RunStatus.Failed, Message = e.Message, FinishedAt = _time.GetUtcNow() }, null, live.Names);
            live.End(RunStatus.Failed, e.Message, null);
            throw;
        }
    }

    private void Finish(StoredEnsemble group, ExperimentEnsemble? ensemble, IReadOnlyList<string> names)
    {
        try
        {
            var summary = ensemble is null ? null : EnsembleFiles.Summary(ensemble.Result, names, ensemble.Findings);
            store!.Finish(group, ensemble?.Result, names, summary);
        }
        catch (Exception e)
        {
            log?.LogError(e, "Storing the ensemble {Id} failed", group.Id);
        }
    }

    // "1b-ens-20260312-142501", unique in the store and in memory (under _idGate).
    private string NewId(string experimentId)
    {
        string id = $"{experimentId}-ens-{_time.GetUtcNow():yyyyMMdd-HHmmss}";
        string candidate = id;
        for (int n = 2; store?.Contains(candidate) == true || Find(candidate) is not null; n++) candidate = $"{id}-{n}";
        return candidate;
    }
}
