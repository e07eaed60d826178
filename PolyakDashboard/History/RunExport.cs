using System.IO.Compression;
using System.Text.Json;
using PolyakCore.Experiments;
using PolyakCore.Export;
using PolyakCore.Training;
using PolyakDashboard.Figures;
using PolyakDashboard.Runs;
using PolyakDashboard.Storage;

namespace PolyakDashboard.History;

/// <summary>Runs as files: one run's JSON document (the one import takes), or a zip of several runs as
/// JSON documents or as CSV (per run: metrics.csv, epochs.csv and run.json with the request, status and summary),
/// or a zip of their figures (SVG).</summary>
public static class RunExport
{
    public const string ZipType = "application/zip";

    /// <summary>A zip of the runs into a temporary file (deleted when the returned stream is closed), at position 0.</summary>
    public static Stream Zip(IReadOnlyList<LiveRun> runs, bool csv)
    {
        var file = new FileStream(Path.Combine(Path.GetTempPath(), $"polyak-export-{Guid.NewGuid():N}.zip"), FileMode.CreateNew,
            FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        try
        {
            using (var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true))
            {
                foreach (var run in runs)
                {
                    if (csv) WriteCsv(zip, run);
                    else Write(zip, $"{run.Id}.json", s => JsonSerializer.Serialize(s, RunDocument.Of(run), PolyakJson.Options));
                }
            }
            file.Position = 0;
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>A zip of the runs' figures as SVG, laid out as the first run's experiment page lays them out (or as
    /// the page of its problem), at position 0.</summary>
    public static Stream Figures(IReadOnlyList<LiveRun> runs)
    {
        var layout = runs[0].ExperimentId is { } id && ExperimentCatalog.IsKnown(id) ? ExperimentLayout.For(id) : ExperimentLayout.ForProblem(runs[0].Request.Problem);
        var figureRuns = runs.Select(r =>
        {
            var records = new RunRecorder();
            records.Batches.AddRange(r.Batches());
            records.Epochs.AddRange(r.Epochs());
            return new FigureRun(r.Id, r.Request, records, r.Summary ?? new RunSummary { Status = r.Status, Request = r.Request });
        }).ToArray();
        var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, model) in ExperimentFigures.Draw(layout, figureRuns))
                Write(zip, name, s => ExperimentFigures.Export(model, s));
        memory.Position = 0;
        return memory;
    }

    /// <summary>File name of an export: the run's id for one run, else "runs-&lt;count&gt;".</summary>
    public static string FileName(IReadOnlyList<LiveRun> runs, string extension) =>
        (runs.Count == 1 ? runs[0].Id : $"runs-{runs.Count}") + "." + extension;

    private static void WriteCsv(ZipArchive zip, LiveRun run)
    {
        Write(zip, $"{run.Id}/metrics.csv", s => { using var w = new StreamWriter(s); MetricsCsv.Write(w, run.Batches(), run.ParameterNames); });
        Write(zip, $"{run.Id}/epochs.csv", s => { using var w = new StreamWriter(s); MetricsCsv.WriteEpochs(w, run.Epochs()); });
        Write(zip, $"{run.Id}/run.json", s => JsonSerializer.Serialize(s, run.ToStored(), PolyakJson.Options));
    }

    private static void Write(ZipArchive zip, string name, Action<Stream> write)
    {
        using var entry = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
        write(entry);
    }
}
