using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using PolyakCore.Export;
using PolyakCore.Shared;
using PolyakCore.Training;

namespace PolyakCore.Experiments;

/// <summary>An ensemble as files: ensemble.csv (per configuration and step: the 10/50/90 % quantiles of the mini-batch
/// loss and the step size), epochs.csv (per configuration and epoch: those of the full-data loss) and ensemble.json
/// (per configuration: final-loss spreads, counts, each seed's status; the findings with their numbers).</summary>
public static class EnsembleFiles
{
    public const string StepHeader = "configuration,step,loss_p10,loss_median,loss_p90,stepSize_p10,stepSize_median,stepSize_p90";
    public const string EpochHeader = "configuration,epoch,loss_p10,loss_median,loss_p90";

    /// <summary>The three files in <paramref name="folder"/> (created if need be).</summary>
    /// <param name="names">Each configuration's name in the files (e.g. its run id), in order.</param>
    public static void Write(string folder, EnsembleResult ensemble, IReadOnlyList<string> names, IReadOnlyList<Finding>? findings = null)
    {
        Directory.CreateDirectory(folder);
        foreach (var (name, write) in Files(ensemble, names, findings))
        {
            using var file = File.Create(Path.Combine(folder, name));
            write(file);
        }
    }

    /// <summary>The three files as one zip (flat: ensemble.json, ensemble.csv, epochs.csv), byte for byte what
    /// <see cref="Write"/> puts in a folder.</summary>
    public static void WriteZip(Stream output, EnsembleResult ensemble, IReadOnlyList<string> names, IReadOnlyList<Finding>? findings = null)
    {
        using var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        foreach (var (name, write) in Files(ensemble, names, findings))
        {
            using var entry = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
            write(entry);
        }
    }

    /// <summary>Each file's name and how to write it to a stream: the one implementation of the files.</summary>
    private static IEnumerable<(string Name, Action<Stream> Write)> Files(EnsembleResult ensemble, IReadOnlyList<string> names, IReadOnlyList<Finding>? findings)
    {
        yield return ("ensemble.csv", stream =>
        {
            using var steps = new StreamWriter(stream, leaveOpen: true);
            steps.WriteLine(StepHeader);
            for (int c = 0; c < ensemble.Configurations.Count; c++)
            {
                var (loss, step) = (ensemble.Configurations[c].Loss, ensemble.Configurations[c].StepSize);
                for (int t = 0; t < loss.Length; t++)
                    steps.WriteLine($"{names[c]},{t + 1},{N(loss.P10[t])},{N(loss.Median[t])},{N(loss.P90[t])}," +
                        (t < step.Length ? $"{N(step.P10[t])},{N(step.Median[t])},{N(step.P90[t])}" : ",,"));
            }
        });
        yield return ("epochs.csv", stream =>
        {
            using var epochs = new StreamWriter(stream, leaveOpen: true);
            epochs.WriteLine(EpochHeader);
            for (int c = 0; c < ensemble.Configurations.Count; c++)
            {
                var loss = ensemble.Configurations[c].EpochLoss;
                for (int t = 0; t < loss.Length; t++)
                    epochs.WriteLine($"{names[c]},{t},{N(loss.P10[t])},{N(loss.Median[t])},{N(loss.P90[t])}");
            }
        });
        yield return ("ensemble.json", stream => JsonSerializer.Serialize(stream, Summary(ensemble, names, findings), PolyakJson.Options));
    }

    /// <summary>The JSON document of an ensemble (what ensemble.json holds).</summary>
    public static object Summary(EnsembleResult ensemble, IReadOnlyList<string> names, IReadOnlyList<Finding>? findings = null) => new
    {
        seeds = ensemble.Spec.Seeds,
        vary = ensemble.Spec.Vary,
        seconds = ensemble.Seconds,
        configurations = ensemble.Configurations.Select((c, i) => new
        {
            name = names[i],
            request = c.Request,
            finalLoss = c.FinalLoss,
            floorRatio = c.FloorRatio,
            distanceToOptimum = c.Distance,
            diverged = c.Diverged,
            wells = c.Wells,
            runs = c.Runs.Select((r, k) => new { seed = ensemble.Spec.SeedOf(c.Request, k).Seed, dataSeed = ensemble.Spec.SeedOf(c.Request, k).ProblemOptions.DataSeed,
                status = r.Status, steps = r.Steps, finalLoss = r.FinalLoss, optimalLoss = r.OptimalLoss, maxStepSize = r.MaxStepSize, parameters = r.Parameters }),
        }),
        findings = findings?.Select(f => new { id = f.Id, claim = f.Claim, text = f.Text, holds = f.Holds }),
    };

    private static string N(double v) => MetricsCsv.Number(v);
}
