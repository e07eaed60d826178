using System.CommandLine;
using System.Text.Json;
using PolyakCore.Text;
using PolyakCore.Training;
using PolyakDashboard.Figures;

namespace PolyakDashboard.Cli;

/// <summary><c>polyak-ladder</c>: measures the Polyak step over a ladder of model sizes and batch sizes and writes
/// polyak-ladder.csv (every step), polyak-ladder.json (what the 1d page shows) and the SVG figures.</summary>
public static class LadderCommand
{
    public const string Name = "polyak-ladder", JsonFile = "polyak-ladder.json", CsvFile = "polyak-ladder.csv";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create(TextWriter output, TextWriter errors)
    {
        var outDir = new Option<DirectoryInfo>("--out") { Description = "Output folder (the shipped measurement is PolyakDashboard/measurements).", DefaultValueFactory = _ => new DirectoryInfo("out") };
        var rungs = new Option<string[]>("--rungs") { Description = $"Only these rungs (default: all of {string.Join(", ", PolyakStepProbe.DefaultLadder.Select(r => r.Name))}).", AllowMultipleArgumentsPerToken = true };
        var batches = new Option<int[]>("--batches") { Description = "Batch sizes (default 16 32).", AllowMultipleArgumentsPerToken = true };
        var steps = new Option<int?>("--steps") { Description = "Steps per rung (default: the ladder's, fewer on larger rungs)." };
        var seed = new Option<int>("--seed") { Description = "Initialisation and batch seed.", DefaultValueFactory = _ => 0 };
        var from = new Option<FileInfo?>("--from") { Description = "Measure nothing: read a polyak-ladder.json and write its CSV, figures and finding again." };
        var command = new Command(Name, "Measure f, ‖g‖² and the Polyak step (f − 0)/‖g‖² over the first steps of Polyak SGD for a ladder of GPT sizes; write CSV, JSON and SVG.")
            { outDir, rungs, batches, steps, seed, from };
        command.SetAction((parse, cancel) => Task.Run(() =>
        {
            var ladder = PolyakStepProbe.DefaultLadder.AsEnumerable();
            if (parse.GetValue(rungs) is { Length: > 0 } names)
            {
                var unknown = names.Where(n => PolyakStepProbe.DefaultLadder.All(r => r.Name != n)).ToArray();
                if (unknown.Length > 0) { errors.WriteLine($"Unknown rung(s): {string.Join(", ", unknown)}. Known: {string.Join(", ", PolyakStepProbe.DefaultLadder.Select(r => r.Name))}."); return 2; }
                ladder = ladder.Where(r => names.Contains(r.Name));
            }
            if (parse.GetValue(steps) is { } n)
            {
                if (n < 1) { errors.WriteLine($"--steps must be at least 1, not {n}."); return 2; }
                ladder = ladder.Select(r => r with { Steps = n });
            }
            int[] sizes = parse.GetValue(batches) is { Length: > 0 } b ? b : [.. PolyakStepProbe.DefaultBatches];
            if (sizes.Any(s => s < 1 || s > 256)) { errors.WriteLine("--batches: sizes from 1 to 256."); return 2; }
            try
            {
                var result = parse.GetValue(from) is { } stored
                    ? JsonSerializer.Deserialize<PolyakLadder>(File.ReadAllText(stored.FullName), Json) ?? throw new JsonException("empty")
                    : PolyakLadder.Measure(TextCorpus.ChildSpeech(), [.. ladder], sizes, parse.GetValue(seed),
                    r => errors.WriteLine($"{r.Rung,-8} batch {r.Batch,3}: {r.Parameters,10:N0} parameters, f₁ {r.First.Loss:F3}, ‖g‖²₁ {r.First.GradNormSq:G3}, " +
                                          $"step₁ {r.First.StepSize:G3}, median step {r.MedianStep:G3}, last loss {r.LastLoss:F3}, {r.SecondsPerStep * 1000:F0} ms/step"),
                    cancel);
                var folder = parse.GetValue(outDir)!.FullName;
                Directory.CreateDirectory(folder);
                File.WriteAllText(Path.Combine(folder, JsonFile), JsonSerializer.Serialize(result, Json));
                File.WriteAllText(Path.Combine(folder, CsvFile), result.ToCsv());
                var figures = LadderFigures.Write(result, folder);
                foreach (var line in PolyakLadderFinding.Describe(result)) output.WriteLine(line);
                output.WriteLine($"{JsonFile}, {CsvFile} and {figures.Count} figures (SVG) → {folder}");
                return 0;
            }
            catch (OperationCanceledException) { return CommandLine.CancelledExitCode; }
            catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
            {
                errors.WriteLine($"Cannot read the measurement: {e.Message}");
                return 2;
            }
        }, CancellationToken.None));
        return command;
    }
}
