using System.Collections.Concurrent;
using PolyakCore.Experiments;
using PolyakCore.Training;

namespace PolyakDashboard.Experiments;

/// <summary>An experiment's findings over its default configurations, and what they cost to compute.</summary>
public sealed record ExperimentFindings(string ExperimentId, int Seeds, SeedVariation Vary, IReadOnlyList<Finding> Findings, double Seconds);

/// <summary>Computes each small experiment's findings once per server (20 seeds of every default configuration, one
/// batched computation of a few seconds) and keeps them: the pages' "what to look for" statements are these.</summary>
public sealed class FindingsService(ILogger<FindingsService> log)
{
    public const int Seeds = 20;

    private readonly ConcurrentDictionary<string, Lazy<Task<ExperimentFindings>>> _cache = new();

    /// <summary>True for the experiments that have findings (the small ones, and their fixes-for-f* grids).</summary>
    public static bool Has(string experimentId) => experimentId is "1a" or "1b" or "1c" or "1e" or ExperimentCatalog.Fixes1b or ExperimentCatalog.Fixes1e;

    public Task<ExperimentFindings> GetAsync(string experimentId)
    {
        if (!Has(experimentId)) throw new ArgumentException($"No findings for experiment '{experimentId}'.", nameof(experimentId));
        return _cache.GetOrAdd(experimentId, id => new Lazy<Task<ExperimentFindings>>(() => ComputeAsync(id))).Value;
    }

    private Task<ExperimentFindings> ComputeAsync(string id) => RunThread.Start(() =>
    {
        var spec = new EnsembleSpec(Seeds, SeedVariation.Both);
        var ensemble = Ensemble.Run(ExperimentCatalog.Get(id).Runs, spec);
        var findings = PolyakCore.Experiments.Findings.For(id, ensemble);
        log.LogInformation("Findings of {Experiment}: {Count} statements over {Seeds} seeds in {Seconds:F1} s", id, findings.Count, Seeds, ensemble.Seconds);
        return new ExperimentFindings(id, Seeds, spec.Vary, findings, ensemble.Seconds);
    }, $"findings {id}");
}
