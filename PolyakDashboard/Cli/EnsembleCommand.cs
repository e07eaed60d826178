using System.Text.Json;
using System.Text.Json.Nodes;
using PolyakCore.Experiments;
using PolyakCore.Optimization;
using PolyakCore.Export;
using PolyakCore.Problems;
using PolyakCore.Training;

namespace PolyakDashboard.Cli;

/// <summary>The CLI's ensembles: many seeds of each configuration as one batched computation; each seed's run written as a
/// single run's files, plus DIR/&lt;name&gt;-ensemble/ with the quantiles, counts and findings.</summary>
public static class EnsembleCommand
{
    /// <summary>A RunRequest JSON document, optionally with "seeds" (and "vary") beside the request's fields.</summary>
    public static (RunRequest? Request, EnsembleSpec? Ensemble) ReadRequest(string json)
    {
        var node = JsonNode.Parse(json) as JsonObject ?? throw new JsonException("The request must be a JSON object.");
        EnsembleSpec? spec = null;
        if (node.Remove("seeds", out var seeds) | node.Remove("vary", out var vary))
            spec = new EnsembleSpec(seeds?.GetValue<int>() ?? FindingsSeeds,
                vary is null ? SeedVariation.Both : JsonSerializer.Deserialize<SeedVariation>(vary.ToJsonString(), PolyakJson.Options));
        return (node.Deserialize<RunRequest>(PolyakJson.Options), spec);
    }

    private const int FindingsSeeds = 20;

    public static int RunOne(RunRequest request, string runId, EnsembleSpec spec, DirectoryInfo outDir, bool figures, TextWriter output, TextWriter errors, CancellationToken cancel = default)
    {
        if (request.Problem == ProblemCatalog.ChildSpeech) { errors.WriteLine("seeds: ensembles run on the small problems (not child-speech)."); return 2; }
        return Write([request], [runId], spec, Path.Combine(outDir.FullName, $"{runId}-ensemble"), outDir, findings: null, output, errors, cancel,
            figures ? e => Figures.EnsembleFigures.Write(PolyakCore.Experiments.ExperimentLayout.ForProblemId(request.Problem), e, Path.Combine(outDir.FullName, $"{runId}-ensemble", "figures")) : null);
    }

    public static int RunExperiment(string id, DirectoryInfo outDir, ExperimentOverrides overrides, EnsembleSpec spec, bool figures, TextWriter output, TextWriter errors, CancellationToken cancel = default)
    {
        if (!ExperimentCatalog.IsKnown(id)) { errors.WriteLine($"Unknown experiment '{id}'. Known: {string.Join(", ", ExperimentCatalog.Ids)}."); return 2; }
        if (id.StartsWith("1d", StringComparison.Ordinal)) { errors.WriteLine("--seeds: ensembles run on the small experiments (1a, 1b, 1c, 1e, 1b-fixes, 1e-fixes)."); return 2; }
        var experiment = ExperimentCatalog.Get(id, overrides);
        return Write(experiment.Runs, [.. experiment.Runs.Select(r => ExperimentCatalog.RunId(id, r))], spec,
            Path.Combine(outDir.FullName, $"{id}-ensemble"), outDir, findings: e => PolyakCore.Experiments.Findings.For(id, e), output, errors, cancel,
            figures ? e => Figures.EnsembleFigures.Write(id, e, Path.Combine(outDir.FullName, $"{id}-ensemble", "figures")) : null);
    }

    // The fixes view's answer as plain text: per optimizer whether it ends within 10 % of the floor in >= 80 % of seeds.
    private static string FixesSummary(IReadOnlyList<FStarFixes.Verdict> verdicts, IReadOnlyList<Finding>? findings)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine($"Within {FStarFixes.Within:0.##}× the least-squares floor in at least {FStarFixes.Share:P0} of seeds:");
        foreach (var v in verdicts)
            text.AppendLine($"{v.Optimizer}\t{(v.Fixes ? "yes" : "no")}\t{v.Near}/{v.Seeds}\tmedian {v.Ratio.Median:G4}×");
        foreach (var f in findings ?? []) text.AppendLine().AppendLine(f.Text);
        return text.ToString();
    }

    private static int Write(IReadOnlyList<RunRequest> configurations, IReadOnlyList<string> names, EnsembleSpec spec, string folder,
        DirectoryInfo outDir, Func<EnsembleResult, IReadOnlyList<Finding>>? findings, TextWriter output, TextWriter errors,
        CancellationToken cancel, Func<EnsembleResult, IReadOnlyList<string>>? figures = null)
    {
        foreach (var problem in configurations.Select(r => RunValidation.Validate(r)).Where(p => p.Count > 0))
        {
            foreach (var p in problem) errors.WriteLine($"{p.Field}: {p.Message}");
            return 2;
        }
        if (spec.Seeds < 1 || spec.Seeds > EnsembleSpec.MaxSeeds) { errors.WriteLine($"seeds: must be 1 to {EnsembleSpec.MaxSeeds}."); return 2; }
        errors.WriteLine($"{configurations.Count} configurations × {spec.Seeds} seeds (varying {spec.Vary.ToString().ToLowerInvariant()}) as one batched computation…");
        var recorders = configurations.Select(_ => Enumerable.Range(0, spec.Seeds).Select(_ => new RunRecorder()).ToArray()).ToArray();
        var ensemble = Ensemble.Run(configurations, spec, (c, i) => recorders[c][i], cancel);

        // Each seed's run as a single run's folder (written after the computation: hundreds of runs stream at once).
        for (int c = 0; c < configurations.Count; c++)
            for (int i = 0; i < spec.Seeds; i++)
            {
                var request = spec.SeedOf(configurations[c], i);
                using var files = new RunFolder(outDir.FullName, $"{names[c]}-seed{i}", ProblemCatalog.ParameterNames(request.Problem));
                foreach (var record in recorders[c][i].Batches) files.OnBatch(record);
                foreach (var record in recorders[c][i].Epochs) files.OnEpoch(record);
                files.WriteSummary(ensemble.Configurations[c].Runs[i]);
            }
        var found = findings?.Invoke(ensemble);
        EnsembleFiles.Write(folder, ensemble, names, found);
        foreach (var (c, name) in ensemble.Configurations.Zip(names))
        {
            var f = c.FinalLoss;
            string extra = c.FloorRatio is { } r ? $", final/floor median {r.Median:G4} (10–90 % {r.P10:G4}–{r.P90:G4})"
                : c.Wells is { } w ? $", wells {string.Join(" ", w.Select(kv => $"{kv.Key} {kv.Value}"))}" : "";
            output.WriteLine($"{name}: final loss median {f.Median:G4} (10–90 % {f.P10:G4}–{f.P90:G4}), diverged {c.Diverged}/{c.Seeds}{extra}");
        }
        foreach (var finding in found ?? []) output.WriteLine($"{(finding.Holds ? "holds" : "DOES NOT HOLD")}: {finding.Text}");
        if (configurations.Any(r => OptimizerCatalog.FStarFixes.Contains(r.Optimizer)) && FStarFixes.Verdicts(ensemble) is { Count: > 0 } verdicts)
            File.WriteAllText(Path.Combine(folder, "fixes.txt"), FixesSummary(verdicts, found));
        if (figures?.Invoke(ensemble) is { } drawn) output.WriteLine($"{drawn.Count} figures (SVG) → {Path.Combine(folder, "figures")}");
        output.WriteLine($"{configurations.Count * spec.Seeds} runs in {ensemble.Seconds:F2} s → {folder}");
        return 0;
    }
}
