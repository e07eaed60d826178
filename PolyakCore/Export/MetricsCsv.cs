using System.Globalization;
using PolyakCore.Training;

namespace PolyakCore.Export;

/// <summary>Per-batch records as CSV: step,epoch,loss,stepSize,gradNormSq,seconds, then one column per parameter;
/// per-epoch records as epoch,loss,valLoss (valLoss empty when the problem has no held-out data).</summary>
/// <remarks>Numbers only, so no quoting is ever needed; "R" formatting round-trips every double.</remarks>
public static class MetricsCsv
{
    public const string EpochHeader = "epoch,loss,valLoss";

    public static string Header(IReadOnlyList<string> parameterNames) =>
        string.Join(",", new[] { "step", "epoch", "loss", "stepSize", "gradNormSq", "seconds" }.Concat(parameterNames));

    public static string Row(BatchRecord r)
    {
        var fields = new List<string>(6 + (r.Parameters?.Length ?? 0))
        {
            r.Step.ToString(CultureInfo.InvariantCulture), r.Epoch.ToString(CultureInfo.InvariantCulture),
            Number(r.Loss), Number(r.StepSize), Number(r.GradNormSq), Number(r.Seconds),
        };
        if (r.Parameters is { } p) fields.AddRange(p.Select(Number));
        return string.Join(",", fields);
    }

    public static string EpochRow(EpochRecord r) =>
        $"{r.Epoch.ToString(CultureInfo.InvariantCulture)},{Number(r.Loss)},{(r.ValLoss is { } v ? Number(v) : "")}";

    public static void Write(TextWriter writer, IEnumerable<BatchRecord> records, IReadOnlyList<string> parameterNames)
    {
        writer.WriteLine(Header(parameterNames));
        foreach (var r in records) writer.WriteLine(Row(r));
    }

    public static void WriteEpochs(TextWriter writer, IEnumerable<EpochRecord> records)
    {
        writer.WriteLine(EpochHeader);
        foreach (var r in records) writer.WriteLine(EpochRow(r));
    }

    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
