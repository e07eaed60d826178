using System.Text.Json;
using PolyakCore.Training;

namespace PolyakCore.Export;

/// <summary>Writes a run's records to DIR/&lt;run-id&gt;/ as they stream: metrics.csv, epochs.csv, then summary.json.</summary>
public sealed class RunFolder : IRunSink, IDisposable
{
    private readonly StreamWriter _metrics;
    private readonly StreamWriter _epochs;

    private readonly bool _validation;

    /// <param name="validation">Add a valLoss column to epochs.csv (models with held-out data).</param>
    public RunFolder(string root, string runId, IReadOnlyList<string> parameterNames, bool validation = false)
    {
        _validation = validation;
        Directory = Path.Combine(root, runId);
        System.IO.Directory.CreateDirectory(Directory);
        _metrics = new StreamWriter(Path.Combine(Directory, "metrics.csv"));
        _metrics.WriteLine(MetricsCsv.Header(parameterNames));
        _epochs = new StreamWriter(Path.Combine(Directory, "epochs.csv"));
        _epochs.WriteLine(validation ? "epoch,loss,valLoss" : "epoch,loss");
    }

    public string Directory { get; }

    public void OnBatch(BatchRecord record) => _metrics.WriteLine(MetricsCsv.Row(record));

    public void OnEpoch(EpochRecord record) => _epochs.WriteLine(_validation
        ? $"{record.Epoch},{MetricsCsv.Number(record.Loss)},{MetricsCsv.Number(record.ValLoss ?? double.NaN)}"
        : $"{record.Epoch},{MetricsCsv.Number(record.Loss)}");

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
