using System.Collections.Concurrent;
using System.Text.Json;
using PolyakCore.Experiments;
using PolyakCore.Shared;
using PolyakCore.Training;

namespace PolyakDashboard.Experiments;

/// <summary>An experiment's grid over seeds, with its findings.</summary>
public sealed record ExperimentEnsemble(string ExperimentId, EnsembleResult Result, IReadOnlyList<Finding> Findings);

/// <summary>Runs an experiment page's grid over many seeds as one batched computation (on a thread of its own) and keeps
/// the last few results, so a room of viewers asking for the same ensemble costs one computation.</summary>
public sealed class EnsembleService
{
    public const int MaxSeeds = 200;
    private const int Kept = 4;          // a 20-seed 1b grid keeps ~30 MB (peak +55 MB while it runs)
    private readonly ConcurrentDictionary<string, Lazy<Task<ExperimentEnsemble>>> _cache = new();
    private readonly ConcurrentQueue<string> _order = new();

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

    public Task<ExperimentEnsemble> RunAsync(string experimentId, ExperimentOverrides overrides, EnsembleSpec spec)
    {
        var errors = Validate(experimentId, overrides, spec);
        if (errors.Count > 0) throw new RunValidationException(errors);
        string key = experimentId + JsonSerializer.Serialize(overrides, PolyakJson.Options) + JsonSerializer.Serialize(spec, PolyakJson.Options);
        var entry = _cache.GetOrAdd(key, _ =>
        {
            _order.Enqueue(key);
            return new Lazy<Task<ExperimentEnsemble>>(() => RunThread.Start(() =>
            {
                var result = Ensemble.Run(ExperimentCatalog.Get(experimentId, overrides).Runs, spec);
                return new ExperimentEnsemble(experimentId, result, Findings.For(experimentId, result));
            }, $"ensemble {experimentId}"));
        });
        while (_order.Count > Kept && _order.TryDequeue(out var old)) _cache.TryRemove(old, out _);
        var task = entry.Value;
        if (task.IsFaulted) _cache.TryRemove(key, out _);     // a failure is not kept
        return task;
    }
}
