using System.Globalization;
using PolyakCore.Training;

namespace PolyakCore.Export;

/// <summary>Per-batch records as CSV: step,epoch,loss,stepSize,gradNormSq, then one column per parameter.</summary>
/// <remarks>Numbers only, so no quoting is ever needed; "R" formatting round-trips every double.</remarks>
public static class MetricsCsv
{
    public static string Header(IReadOnlyList<string> parameterNames) =>
        string.Join(",", new[] { "step", "epoch", "loss", "stepSize", "gradNormSq" }.Concat(parameterNames));

    public static string Row(BatchRecord r)
    {
        var fields = new List<string>(5 + (r.Parameters?.Length ?? 0))
        {
            r.Step.ToString(CultureInfo.InvariantCulture), r.Epoch.ToString(CultureInfo.InvariantCulture),
            Number(r.Loss), Number(r.StepSize), Number(r.GradNormSq),
        };
        if (r.Parameters is { } p) fields.AddRange(p.Select(Number));
        return string.Join(",", fields);
    }

    public static void Write(TextWriter writer, IEnumerable<BatchRecord> records, IReadOnlyList<string> parameterNames)
    {
        writer.WriteLine(Header(parameterNames));
        foreach (var r in records) writer.WriteLine(Row(r));
    }

    public static void WriteEpochs(TextWriter writer, IEnumerable<EpochRecord> records)
    {
        writer.WriteLine("epoch,loss");
        foreach (var r in records) writer.WriteLine($"{r.Epoch.ToString(CultureInfo.InvariantCulture)},{Number(r.Loss)}");
    }

    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
