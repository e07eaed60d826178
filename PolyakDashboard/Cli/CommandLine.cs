using System.CommandLine;
using System.Text.Json;
using PolyakCore.Experiments;
using PolyakCore.Export;
using PolyakCore.Problems;
using PolyakCore.Text;
using PolyakCore.Training;
using PolyakDashboard.Figures;
using PolyakDashboard.Runs;

namespace PolyakDashboard.Cli;

/// <summary>The headless CLI: the same RunRequest JSON as the HTTP API, results as files.</summary>
public static class CommandLine
{
    private static readonly string[] Commands = ["run", "experiment", LadderCommand.Name, CorpusCommand.Name, "--help", "-h", "-?"];

    public static bool IsCliInvocation(string[] args) => args.Length > 0 && Commands.Contains(args[0]);

    public static Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? errors = null)
    {
        output ??= Console.Out;
        errors ??= Console.Error;
        var config = new Option<FileInfo>("--config") { Description = "A RunRequest JSON file.", Required = true };
        var runOut = new Option<DirectoryInfo>("--out") { Description = "Output folder; the run writes DIR/<run-id>/.", DefaultValueFactory = _ => new DirectoryInfo("out") };
        var runCheckpoints = CheckpointsOption();
        var runNoFigures = NoFiguresOption();
        var run = new Command("run", "Run one request and write metrics.csv, epochs.csv, summary.json and its figures (SVG).") { config, runOut, runCheckpoints, runNoFigures };
        // SIGTERM and Ctrl-C cancel the token: the run ends as "cancelled" within a second and writes what it has.
        // (The work runs off the invoking thread: System.CommandLine's signal handler waits on the action's task.)
        run.SetAction((parse, cancel) => Task.Run(() => RunOne(parse.GetValue(config)!, parse.GetValue(runOut)!, parse.GetValue(runCheckpoints),
            !parse.GetValue(runNoFigures), output, errors, cancel), CancellationToken.None));

        var id = new Argument<string>("id") { Description = $"One of: {string.Join(", ", ExperimentCatalog.Ids)}." };
        var experimentOut = new Option<DirectoryInfo>("--out") { Description = "Output folder; each run writes DIR/<run-id>/.", DefaultValueFactory = _ => new DirectoryInfo("out") };
        var epochs = new Option<int?>("--epochs") { Description = "Override the epochs of every run." };
        var seed = new Option<int?>("--seed") { Description = "Override the shuffling/initialisation seed of every run." };
        var preset = new Option<string?>("--preset") { Description = "1d: the model preset (tiny, small, report)." };
        var optimizers = new Option<string[]>("--optimizers") { Description = "Only these optimizers (e.g. --optimizers sgd adam).", AllowMultipleArgumentsPerToken = true };
        var experimentCheckpoints = CheckpointsOption();
        var experimentNoFigures = NoFiguresOption();
        var seeds = new Option<int?>("--seeds") { Description = "Small experiments: run each configuration with this many seeds as one batched computation and write DIR/<id>-ensemble/ (quantiles, counts, findings)." };
        var vary = new Option<SeedVariation>("--vary") { Description = "Which randomness the seeds change: both (default), order (mini-batch order and initial parameters) or data (the data draw).", DefaultValueFactory = _ => SeedVariation.Both };
        var fixes = new Option<bool>("--fixes") { Description = "1b, 1e: the fixes-for-f* grid (1b-fixes, 1e-fixes) at the noisiest σ over --seeds (20 by default): which optimizers end within 10 % of the floor." };
        var experiment = new Command("experiment", "Run an experiment's whole grid and draw its figures (SVG, in DIR/<id>-figures/).")
            { id, experimentOut, epochs, seed, preset, optimizers, experimentCheckpoints, experimentNoFigures, seeds, vary, fixes };
        experiment.SetAction((parse, cancel) => Task.Run(() =>
        {
            var overrides = new ExperimentOverrides
            {
                Epochs = parse.GetValue(epochs), Seed = parse.GetValue(seed), Preset = parse.GetValue(preset),
                Optimizers = parse.GetValue(optimizers) is { Length: > 0 } o ? o : null,
            };
            string experimentId = parse.GetValue(id)!;
            if (parse.GetValue(fixes))
            {
                if (ExperimentCatalog.FixesOf(experimentId) is not { } fixesId) { errors.WriteLine($"--fixes: only 1b and 1e have a fixes-for-f* grid, not '{experimentId}'."); return 2; }
                return EnsembleCommand.RunExperiment(fixesId, parse.GetValue(experimentOut)!, overrides, new EnsembleSpec(parse.GetValue(seeds) ?? FindingsSeeds, parse.GetValue(vary)),
                    !parse.GetValue(experimentNoFigures), output, errors, cancel);
            }
            return parse.GetValue(seeds) is { } n
                ? EnsembleCommand.RunExperiment(parse.GetValue(id)!, parse.GetValue(experimentOut)!, overrides, new EnsembleSpec(n, parse.GetValue(vary)), !parse.GetValue(experimentNoFigures), output, errors, cancel)
                : RunExperiment(parse.GetValue(id)!, parse.GetValue(experimentOut)!, overrides, parse.GetValue(experimentCheckpoints), !parse.GetValue(experimentNoFigures), output, errors, cancel);
        }, CancellationToken.None));

        var root = new RootCommand("Polyak Dashboard: with no command it serves the dashboard; with one it runs headless.") { run, experiment, LadderCommand.Create(output, errors), CorpusCommand.Create(output, errors) };
        var result = root.Parse(args);
        // Time for the cancelled run to write its files before System.CommandLine gives up on it.
        return result.InvokeAsync(new InvocationConfiguration { Output = output, Error = errors, ProcessTerminationTimeout = TimeSpan.FromSeconds(20) });
    }

    private const int FindingsSeeds = 20;

    private static Option<bool> NoFiguresOption() => new("--no-figures") { Description = "Write the numbers only, no SVG figures." };

    private static Option<DirectoryInfo?> CheckpointsOption() =>
        new("--checkpoints") { Description = "Child speech: where checkpoints go (default: each run's output folder)." };

    /// <summary>Exit code of a run or experiment stopped by SIGTERM or Ctrl-C (128 + SIGINT, as shells report it).</summary>
    public const int CancelledExitCode = 130;

    private static int RunOne(FileInfo file, DirectoryInfo outDir, DirectoryInfo? checkpoints, bool figures, TextWriter output, TextWriter errors,
        CancellationToken cancel)
    {
        RunRequest? request;
        EnsembleSpec? ensemble;
        try
        {
            (request, ensemble) = EnsembleCommand.ReadRequest(File.ReadAllText(file.FullName));
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            errors.WriteLine($"Cannot read {file.FullName}: {e.Message}");
            return 2;
        }
        var problems = RunValidation.Validate(request);
        if (problems.Count > 0)
        {
            foreach (var p in problems) errors.WriteLine($"{p.Field}: {p.Message}");
            return 2;
        }
        string runId = RunIds.ForRequest(request!);
        if (ensemble is not null) return EnsembleCommand.RunOne(request!, runId, ensemble, outDir, figures, output, errors, cancel);
        var run = Execute(request!, runId, outDir.FullName, checkpoints, figures, output, cancel);
        if (figures) WriteFigures(ExperimentLayout.ForProblem(request!.Problem), [run], Path.Combine(outDir.FullName, runId, "figures"), output);
        return run.Summary.Status is RunStatus.Completed or RunStatus.Diverged ? 0 : run.Summary.Status == RunStatus.Cancelled ? CancelledExitCode : 1;
    }

    private static int RunExperiment(string id, DirectoryInfo outDir, ExperimentOverrides overrides, DirectoryInfo? checkpoints,
        bool figures, TextWriter output, TextWriter errors, CancellationToken cancel)
    {
        if (!ExperimentCatalog.IsKnown(id))
        {
            errors.WriteLine($"Unknown experiment '{id}'. Known: {string.Join(", ", ExperimentCatalog.Ids)}.");
            return 2;
        }
        var experiment = ExperimentCatalog.Get(id, overrides);
        foreach (var r in experiment.Runs)
        {
            var problems = RunValidation.Validate(r);
            if (problems.Count == 0) continue;
            foreach (var p in problems) errors.WriteLine($"{p.Field}: {p.Message}");
            return 2;
        }
        int failed = 0, index = 0;
        var runs = new List<FigureRun>();
        foreach (var request in experiment.Runs)
        {
            if (cancel.IsCancellationRequested) break;          // the rest of the grid is not started
            errors.WriteLine($"[{++index}/{experiment.Runs.Count}] {request.Label}");
            var run = Execute(request, ExperimentCatalog.RunId(id, request), outDir.FullName, checkpoints, figures, output, cancel);
            if (run.Summary.Status is not (RunStatus.Completed or RunStatus.Diverged)) failed++;
            if (figures) runs.Add(run);
        }
        if (figures) WriteFigures(ExperimentLayout.For(id), runs, Path.Combine(outDir.FullName, $"{id}-figures"), output);
        return cancel.IsCancellationRequested ? CancelledExitCode : failed == 0 ? 0 : 1;
    }

    private static void WriteFigures(ExperimentLayout layout, IReadOnlyList<FigureRun> runs, string folder, TextWriter output)
    {
        var files = ExperimentFigures.Write(layout, runs, folder);
        output.WriteLine($"{files.Count} figures (SVG) → {folder}");
    }

    // With figures, the records stay in memory too (a 30,000-step run is a few MB).
    private static FigureRun Execute(RunRequest request, string runId, string outDir, DirectoryInfo? checkpoints, bool keepRecords, TextWriter output,
        CancellationToken cancel)
    {
        bool text = request.Problem == ProblemCatalog.ChildSpeech;
        using var folder = new RunFolder(outDir, runId, ProblemCatalog.ParameterNames(request.Problem));
        var records = new RunRecorder();
        var environment = new TextEnvironment(new CorpusLibrary(null), checkpoints?.FullName ?? folder.Directory, runId);
        var summary = RunEngine.Run(request, keepRecords ? new TeeSink(folder, records) : folder, cancel, text: environment);
        folder.WriteSummary(summary);
        var loss = text ? $"train {summary.FinalLoss:F4}, validation {summary.ValLoss:F4} nats/char" : $"final loss {summary.FinalLoss:G6}";
        output.WriteLine($"{runId}: {summary.Status.ToString().ToLowerInvariant()} after {summary.Steps} steps, {loss} ({summary.Seconds:F2} s) → {folder.Directory}");
        if (summary.Message is { } message && summary.Status != RunStatus.Completed) output.WriteLine($"  {message}");
        return new FigureRun(runId, request, records, summary);
    }
}
