using System.Globalization;
using System.Text.Json;
using PolyakCore.Shared;
using PolyakCore.Training;

namespace PolyakCore.Export;

/// <summary>A finished (or cancelled) run as <see cref="RunFolder"/> left it: its summary and its epoch records.</summary>
public sealed record RunFolderContent(RunSummary Summary, IReadOnlyList<EpochRecord> Epochs)
{
    /// <summary>Reads DIR/summary.json and DIR/epochs.csv; a missing or malformed file throws
    /// <see cref="InvalidDataException"/> naming it.</summary>
    public static RunFolderContent Read(string directory)
    {
        string summaryPath = Path.Combine(directory, "summary.json"), epochsPath = Path.Combine(directory, "epochs.csv");
        try
        {
            var summary = JsonSerializer.Deserialize<RunSummary>(File.ReadAllText(summaryPath), PolyakJson.Options)
                ?? throw new InvalidDataException($"{summaryPath} is empty.");
            var lines = File.ReadAllLines(epochsPath);
            if (lines.Length == 0 || lines[0] != MetricsCsv.EpochHeader) throw new InvalidDataException($"{epochsPath} does not start with '{MetricsCsv.EpochHeader}'.");
            var epochs = lines.Skip(1).Where(l => l.Length > 0).Select(l =>
            {
                var f = l.Split(',');
                return new EpochRecord(int.Parse(f[0], CultureInfo.InvariantCulture), double.Parse(f[1], CultureInfo.InvariantCulture), null)
                {
                    ValLoss = f.Length > 2 && f[2].Length > 0 ? double.Parse(f[2], CultureInfo.InvariantCulture) : null,
                };
            }).ToList();
            return new(summary, epochs);
        }
        catch (Exception e) when (e is IOException or JsonException or FormatException or IndexOutOfRangeException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"Cannot read the run in {directory}: {e.Message}", e);
        }
    }
}
