using Microsoft.Extensions.Options;
using PolyakCore.Experiments;
using PolyakCore.Problems;
using PolyakCore.Text;
using PolyakCore.Training;
using PolyakDashboard.ChildSpeech;

namespace PolyakDashboard.Runs;

/// <summary>Why a run did not start.</summary>
public enum StartFailure { None, Invalid, QueueFull }

/// <summary>The outcome of asking for runs: their ids, or why not.</summary>
public sealed record StartResult(IReadOnlyList<LiveRun> Runs, StartFailure Failure, IReadOnlyList<FieldError> Errors)
{
    public bool Started => Failure == StartFailure.None;
}

/// <summary>What pages and the API call: start, cancel, find runs. Validation happens here, once.</summary>
public sealed class RunService(RunRegistry registry, RunQueue queue, IOptions<RunOptions> options, TextLibraries? text = null)
{
    public RunLimits Limits => ServerLimits(options.Value);

    /// <summary>The configured limits; a request to the server never names a file on its disk.</summary>
    public static RunLimits ServerLimits(RunOptions options) => options.Limits with { AllowCorpusPaths = false };

    public StartResult Start(RunRequest request) => StartAll([request], null);

    public StartResult StartExperiment(string experimentId, ExperimentOverrides? overrides = null)
    {
        if (!ExperimentCatalog.IsKnown(experimentId))
            return new([], StartFailure.Invalid, [new FieldError("id", $"Unknown experiment '{experimentId}'. Known: {string.Join(", ", ExperimentCatalog.Ids)}.")]);
        // The grid is noises × batch sizes × optimizers at least: refused before its requests are built, when it could not fit.
        long atLeast = (long)Math.Max(1, overrides?.Noises?.Length ?? 1) * Math.Max(1, overrides?.BatchSizes?.Length ?? 1) * Math.Max(1, overrides?.Optimizers?.Length ?? 1);
        if (queue.Waiting + atLeast > options.Value.MaxQueueLength)
            return new([], StartFailure.QueueFull, [new FieldError("queue",
                $"This grid is {atLeast:N0} runs or more; the run queue takes {Math.Max(0, options.Value.MaxQueueLength - queue.Waiting):N0} more now (at most {options.Value.MaxQueueLength:N0} waiting).")]);
        return StartAll(ExperimentCatalog.Get(experimentId, overrides).Runs, experimentId);
    }

    /// <summary>Validates every request first, so a grid starts whole or not at all.</summary>
    public StartResult StartAll(IReadOnlyList<RunRequest> requests, string? experimentId)
    {
        var errors = requests.SelectMany(r => RunValidation.Validate(r, Limits)).Distinct().ToList();
        if (errors.Count > 0) return new([], StartFailure.Invalid, errors);
        var totals = new int[requests.Count];
        for (int i = 0; i < requests.Count; i++)
        {
            try
            {
                if (requests[i].Problem != ProblemCatalog.ChildSpeech) totals[i] = RunEngine.TotalSteps(requests[i]);
                else
                {
                    // The corpus says how long a child-speech run is: its size is checked here, before it is queued.
                    var plan = TextTrainer.Plan(requests[i], text?.Corpora ?? TextEnvironment.Default.Corpora);
                    errors.AddRange(TextTrainer.CheckSize(requests[i], plan, Limits));
                    totals[i] = (int)Math.Min(plan.TotalSteps, int.MaxValue);
                }
            }
            catch (CorpusException e) { errors.Add(new FieldError("problemOptions.text.corpus", e.Message)); }
        }
        if (errors.Count > 0) return new([], StartFailure.Invalid, [.. errors.Distinct()]);
        if (queue.Waiting + requests.Count > options.Value.MaxQueueLength)
            return new([], StartFailure.QueueFull, [new FieldError("queue",
                $"The run queue is full ({queue.Waiting} waiting, at most {options.Value.MaxQueueLength}). Try again when some runs have finished.")]);

        var runs = new List<LiveRun>();
        string launch = registry.NewId("launch");
        for (int i = 0; i < requests.Count; i++)
        {
            var request = requests[i];
            var run = new LiveRun(registry.NewId(experimentId ?? request.Problem), request,
                totals[i], ProblemCatalog.ParameterNames(request.Problem), experimentId, launch);
            registry.Add(run);
            if (!queue.TryEnqueue(run)) { run.Cancel(); return new(runs, StartFailure.QueueFull, [new FieldError("queue", "The run queue is full.")]); }
            runs.Add(run);
        }
        return new(runs, StartFailure.None, []);
    }

    public LiveRun? Get(string id) => registry.Get(id);

    /// <summary>The runs of the newest launch of an experiment, so a page shows them again on return.</summary>
    public IReadOnlyList<LiveRun> LatestLaunch(string experimentId)
    {
        var runs = registry.All.Where(r => r.ExperimentId == experimentId).ToList();
        return runs.Count == 0 ? [] : [.. runs.Where(r => r.LaunchId == runs[^1].LaunchId)];
    }

    /// <summary>Cancels every run of a launch.</summary>
    public void CancelLaunch(string launchId)
    {
        foreach (var run in registry.All.Where(r => r.LaunchId == launchId)) run.Cancel();
    }

    public IReadOnlyList<LiveRun> List() => registry.All;

    /// <summary>False for an unknown id.</summary>
    public bool Cancel(string id)
    {
        var run = registry.Get(id);
        if (run is null) return false;
        run.Cancel();
        return true;
    }
}
