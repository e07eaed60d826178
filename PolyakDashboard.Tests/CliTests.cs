using System.Text.Json;
using PolyakDashboard.Cli;

namespace PolyakDashboard.Tests;

public class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("polyak-cli-").FullName;

    [Fact]
    public async Task RunWritesMetricsAndSummary()
    {
        var config = Path.Combine(_dir, "request.json");
        File.WriteAllText(config, """{ "problem": "quadratic", "optimizer": "polyak-sgd", "batchSize": 50, "epochs": 40, "label": "quad" }""");
        var (code, output, errors) = await RunAsync("run", "--config", config, "--out", _dir);
        Assert.Equal(0, code);
        Assert.Contains("quad: completed after 800 steps", output);

        var lines = File.ReadAllLines(Path.Combine(_dir, "quad", "metrics.csv"));
        Assert.Equal("step,epoch,loss,stepSize,gradNormSq,seconds,w1,w2,b", lines[0]);
        Assert.Equal(801, lines.Length);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "quad", "summary.json")));
        var root = summary.RootElement;
        Assert.Equal("completed", root.GetProperty("status").GetString());
        Assert.Equal(800, root.GetProperty("steps").GetInt32());
        Assert.Equal(3, root.GetProperty("parameters").GetArrayLength());
        Assert.Equal(2.0, root.GetProperty("parameters")[1].GetDouble(), 0.01);
        foreach (var field in new[] { "finalLoss", "maxStepSize", "meanStepSize", "seconds", "request" })
            Assert.True(root.TryGetProperty(field, out _), field);
        Assert.Equal(41, File.ReadAllLines(Path.Combine(_dir, "quad", "epochs.csv")).Length - 1);
    }

    [Fact]
    public async Task PolyakLadderMeasuresATinyRungAndRedrawsFromItsJson()
    {
        var (code, output, errors) = await RunAsync("polyak-ladder", "--rungs", "tiny", "--batches", "2", "--steps", "2", "--out", _dir);
        Assert.True(code == 0, errors);
        Assert.Contains("tiny     batch   2", errors);
        Assert.Contains("The first mini-batch loss is", output);
        var json = Path.Combine(_dir, LadderCommand.JsonFile);
        var ladder = JsonSerializer.Deserialize<PolyakCore.Training.PolyakLadder>(File.ReadAllText(json), LadderCommand.Json)!;
        Assert.Equal(2, Assert.Single(ladder.Results).Steps.Count);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(_dir, LadderCommand.CsvFile)).Length);
        var svg = File.ReadAllText(Path.Combine(_dir, PolyakDashboard.Figures.LadderFigures.StepFile));
        Assert.StartsWith("<?xml", svg);
        Assert.Contains(">tiny<", svg);

        var again = Path.Combine(_dir, "again");
        (code, var redrawn, _) = await RunAsync("polyak-ladder", "--from", json, "--out", again);
        Assert.Equal(0, code);
        Assert.All(PolyakCore.Training.PolyakLadderFinding.Describe(ladder), sentence => Assert.Contains(sentence, redrawn));
        Assert.True(File.Exists(Path.Combine(again, PolyakDashboard.Figures.LadderFigures.StepFile)));
        Assert.Equal(2, (await RunAsync("polyak-ladder", "--rungs", "huge")).Code);
    }

    [Fact]
    public async Task CorpusCommandPrintsTheFloorOrTheNGramReference()
    {
        var (code, output, _) = await RunAsync("corpus", "--zipf", "1", "--per-line", "4", "3", "2", "1");
        Assert.Equal(0, code);
        var floor = PolyakCore.Text.GeneratorEntropy.Floor(new PolyakCore.Text.ChildSpeechGenerator { Zipf = 1, PhrasesPerLine = [4, 3, 2, 1] });
        Assert.Contains($"entropy floor (exact): {floor.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)} nats/char", output);
        Assert.Contains("5-gram validation loss", output);

        var file = Path.Combine(_dir, "kids.txt");
        File.WriteAllText(file, PolyakCore.Text.ChildSpeechCorpus.Generate(200, seed: 3));
        (code, output, _) = await RunAsync("corpus", "--file", file);
        Assert.Equal(0, code);
        Assert.DoesNotContain("entropy floor", output);
        Assert.Contains("1-gram validation loss", output);
        Assert.Equal(2, (await RunAsync("corpus", "--zipf", "-1")).Code);
        Assert.Equal(2, (await RunAsync("corpus", "--file", file, "--zipf", "1")).Code);
    }

    [Fact]
    public async Task ChildSpeechRunReadsACorpusFileAndWritesValidationLossesAndCheckpoints()
    {
        var corpus = Path.Combine(_dir, "kids.txt");
        File.WriteAllText(corpus, PolyakCore.Text.ChildSpeechCorpus.Generate(300, seed: 1));
        var config = Path.Combine(_dir, "gpt.json");
        File.WriteAllText(config, $$"""
            { "problem": "child-speech", "optimizer": "polyak-sgd", "batchSize": 8, "epochs": 2, "label": "gpt",
              "problemOptions": { "text": { "corpusPath": {{JsonSerializer.Serialize(corpus)}}, "nEmbd": 16, "nHead": 2, "nLayer": 1, "block": 16, "evalBatches": 1 } } }
            """);
        var checkpoints = Path.Combine(_dir, "ckpt");
        var (code, output, errors) = await RunAsync("run", "--config", config, "--out", _dir, "--checkpoints", checkpoints);
        Assert.True(code == 0, errors);
        Assert.Contains("gpt: completed", output);
        Assert.Contains("validation", output);
        var epochs = File.ReadAllLines(Path.Combine(_dir, "gpt", "epochs.csv"));
        Assert.Equal("epoch,loss,valLoss", epochs[0]);
        Assert.Equal(3, epochs.Length - 1);
        Assert.True(File.Exists(Path.Combine(checkpoints, "gpt-best.ckpt")));
        Assert.Equal("kids", PolyakCore.Text.Checkpoint.ReadMetadata(Path.Combine(checkpoints, "gpt-last.ckpt")).Corpus);
    }

    [Fact]
    public async Task BadRequestExitsNonZeroNamingEachField()
    {
        var config = Path.Combine(_dir, "bad.json");
        File.WriteAllText(config, """{ "problem": "quadratic", "batchSize": 0, "optimizerOptions": { "lr": "NaN" } }""");
        var (code, _, errors) = await RunAsync("run", "--config", config, "--out", _dir);
        Assert.Equal(2, code);
        Assert.Contains("batchSize:", errors);
        Assert.Contains("optimizerOptions.lr:", errors);
        Assert.False(Directory.Exists(Path.Combine(_dir, "quadratic-polyak-sgd-b0-seed0")));
    }

    [Fact]
    public async Task ExperimentRunsTheWholeGrid()
    {
        var (code, output, errors) = await RunAsync("experiment", "1c", "--epochs", "2", "--out", _dir);
        Assert.Equal(0, code);
        Assert.Equal(8, Directory.GetDirectories(_dir, "1c-b*").Length);
        Assert.Equal(9, Directory.GetDirectories(_dir).Length);            // and 1c-figures
        Assert.Contains("[8/8]", errors);   // progress on stderr
        Assert.True(File.Exists(Path.Combine(_dir, "1c-b2-polyak-sgd", "summary.json")));
    }

    [Fact]
    public async Task ExperimentWithSeedsWritesEachSeedAndTheEnsemble()
    {
        var (code, output, errors) = await RunAsync("experiment", "1c", "--epochs", "3", "--seeds", "5", "--vary", "order", "--out", _dir);
        Assert.Equal(0, code);
        Assert.Equal(8 * 5, Directory.GetDirectories(_dir, "1c-b*-seed*").Length);
        var ensemble = Path.Combine(_dir, "1c-ensemble");
        var steps = File.ReadAllLines(Path.Combine(ensemble, "ensemble.csv"));
        Assert.Equal("configuration,step,loss_p10,loss_median,loss_p90,stepSize_p10,stepSize_median,stepSize_p90", steps[0]);
        Assert.Equal(3 * (13 + 5 + 3 + 1) * 2, steps.Length - 1);       // per configuration, one row a step: 3 epochs of 13/5/3/1 batches

        // The quantile rows are the quantiles of the seeds' own records.
        var seedLosses = Enumerable.Range(0, 5).Select(i => double.Parse(
            File.ReadAllLines(Path.Combine(_dir, $"1c-b2-sgd-seed{i}", "metrics.csv"))[1].Split(',')[2], System.Globalization.CultureInfo.InvariantCulture)).Order().ToArray();
        var first = steps.First(l => l.StartsWith("1c-b2-sgd,1,")).Split(',');
        Assert.Equal(seedLosses[2], double.Parse(first[3], System.Globalization.CultureInfo.InvariantCulture));   // the median of 5 is the third

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(ensemble, "ensemble.json")));
        Assert.Equal(5, json.RootElement.GetProperty("seeds").GetInt32());
        Assert.Equal("order", json.RootElement.GetProperty("vary").GetString());
        var configuration = json.RootElement.GetProperty("configurations")[0];
        var wells = configuration.GetProperty("wells");
        Assert.Equal(5, wells.EnumerateObject().Sum(w => w.Value.GetInt32()));
        Assert.Equal(5, configuration.GetProperty("runs").GetArrayLength());
        Assert.Equal(3, json.RootElement.GetProperty("findings").GetArrayLength());
        Assert.Contains("of 5 seeds", output);

        // The figures: per panel the bands (a filled polygon per configuration), and the escape fraction.
        var figures = Path.Combine(ensemble, "figures");
        Assert.True(File.Exists(Path.Combine(figures, "escape-fraction.svg")));
        var band = File.ReadAllText(Path.Combine(figures, "batch-2-epochs-band.svg"));
        Assert.True(System.Text.RegularExpressions.Regex.Matches(band, "<polygon").Count >= 2, "two bands (sgd, polyak-sgd) on batch 2's epoch figure");
        Assert.Contains("over 5 seeds", band);
    }

    /// <summary>Issue 21: `experiment 1b --fixes` runs the fixes-for-f* grid at σ = 5 over 20 seeds and writes which optimizers
    /// end within 10 % of the floor in at least 80 % of seeds (fixes.txt, ensemble.json's findings and the output).</summary>
    [Fact]
    public async Task ExperimentWithFixesWritesWhichEndNearTheFloor()
    {
        var (code, output, errors) = await RunAsync("experiment", "1b", "--fixes", "--out", _dir);
        Assert.True(code == 0, errors);
        Assert.Equal(8 * 20, Directory.GetDirectories(_dir, "1b-fixes-s5-b64-*-seed*").Length);
        var ensemble = Path.Combine(_dir, "1b-fixes-ensemble");
        var verdicts = File.ReadAllLines(Path.Combine(ensemble, "fixes.txt")).Skip(1).TakeWhile(l => l.Length > 0)
            .Select(l => l.Split('\t')).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(["adam", "adasps", "decsps", "momo", "momo-star", "polyak-sgd", "sgd", "sps-max"], verdicts.Keys.Order());
        Assert.Equal("no", verdicts["polyak-sgd"]);
        Assert.Equal("yes", verdicts["decsps"]);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(ensemble, "ensemble.json")));
        Assert.Equal(20, json.RootElement.GetProperty("seeds").GetInt32());
        var finding = json.RootElement.GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("id").GetString() == "1b-fixes-within-floor");
        Assert.StartsWith("At σ = 5, batch 64, over 20 seeds", finding.GetProperty("text").GetString());
        Assert.Contains("holds: At σ = 5", output);
        var figure = File.ReadAllText(Path.Combine(ensemble, "figures", "fixes-floor-ratio.svg"));
        Assert.Contains("DecSPS", figure);
        Assert.Contains("over 20 seeds", figure);

        var (bad, _, badErrors) = await RunAsync("experiment", "1c", "--fixes", "--out", _dir);
        Assert.Equal(2, bad);
        Assert.Contains("only 1b and 1e", badErrors);
    }

    [Fact]
    public async Task RunWithSeedsInTheRequestWritesAnEnsemble()
    {
        var config = Path.Combine(_dir, "request.json");
        File.WriteAllText(config, """{ "problem": "noisy-linear", "problemOptions": { "noise": 1 }, "optimizer": "polyak-sgd", "batchSize": 100, "epochs": 5, "label": "noisy", "seeds": 4, "vary": "data" }""");
        var (code, output, errors) = await RunAsync("run", "--config", config, "--out", _dir);
        Assert.Equal(0, code);
        Assert.Equal(4, Directory.GetDirectories(_dir, "noisy-seed*").Length);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "noisy-ensemble", "ensemble.json")));
        var runs = json.RootElement.GetProperty("configurations")[0].GetProperty("runs");
        Assert.Equal([0, 1, 2, 3], runs.EnumerateArray().Select(r => r.GetProperty("dataSeed").GetInt32()));
        Assert.All(runs.EnumerateArray(), r => Assert.Equal(0, r.GetProperty("seed").GetInt32()));
        Assert.True(json.RootElement.GetProperty("configurations")[0].TryGetProperty("floorRatio", out _));
    }

    [Fact]
    public async Task UnknownExperimentAndMissingFileAreClearErrors()
    {
        var (code, _, errors) = await RunAsync("experiment", "9z", "--out", _dir);
        Assert.Equal(2, code);
        Assert.Contains("Unknown experiment '9z'", errors);
        (code, _, errors) = await RunAsync("run", "--config", Path.Combine(_dir, "missing.json"), "--out", _dir);
        Assert.NotEqual(0, code);
    }

    internal static async Task<(int Code, string Output, string Errors)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        int code = await CommandLine.RunAsync(args, output, errors);
        return (code, output.ToString(), errors.ToString());
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
