using System.Text.Json;
using PolyakCore.Shared;
using PolyakCore.Training;

namespace PolyakCore.Export;

/// <summary>Writes a run's records to DIR/&lt;run-id&gt;/ as they stream: metrics.csv, epochs.csv, then summary.json.</summary>
public sealed class RunFolder : IRunSink, IDisposable
{
    private readonly StreamWriter _metrics;
    private readonly StreamWriter _epochs;

    public RunFolder(string root, string runId, IReadOnlyList<string> parameterNames)
    {
        Directory = Path.Combine(root, runId);
        System.IO.Directory.CreateDirectory(Directory);
        _metrics = new StreamWriter(Path.Combine(Directory, "metrics.csv"));
        _metrics.WriteLine(MetricsCsv.Header(parameterNames));
        _epochs = new StreamWriter(Path.Combine(Directory, "epochs.csv"));
        _epochs.WriteLine(MetricsCsv.EpochHeader);
    }

    public string Directory { get; }

    public void OnBatch(BatchRecord record) => _metrics.WriteLine(MetricsCsv.Row(record));

    public void OnEpoch(EpochRecord record) => _epochs.WriteLine(MetricsCsv.EpochRow(record));

    public void WriteSummary(RunSummary summary)
    {
        _metrics.Flush();
        _epochs.Flush();
        File.WriteAllText(Path.Combine(Directory, "summary.json"), JsonSerializer.Serialize(summary, PolyakJson.Options));
    }

    public void Dispose()
    {
        _metrics.Dispose();
        _epochs.Dispose();
    }
}
