using PolyakCore.Problems;
using PolyakCore.Training;
using PolyakCore.Optimization;
using PolyakCore.Shared;

namespace PolyakCore.Demos;

/// <summary>Settings of question 2a's mini-batch part: <see cref="StochasticLineSearch.Run(MiniBatchSettings)"/> on the 1a/1b data.</summary>
public sealed record MiniBatchSettings
{
    public const int Points = 1000;   // 1a/1b data sets: batch 1000 is the full data, i.e. a plain line search

    public static IReadOnlyList<string> Problems { get; } = [ProblemCatalog.NoisyLinear, ProblemCatalog.Quadratic];

    public string Problem { get; init; } = ProblemCatalog.NoisyLinear;
    public int BatchSize { get; init; } = 16;
    public int Epochs { get; init; } = 2;
    /// <summary>σ of 1b's label noise (ignored by 1a).</summary>
    public double Noise { get; init; } = 1.0;

    public const int MaxSteps = 300;

    /// <summary>What is wrong with the settings, by field ("steps": batch size and epochs together give too many).</summary>
    public IReadOnlyList<FieldError> Validate()
    {
        var errors = new List<FieldError>();
        if (!Problems.Contains(Problem)) errors.Add(new("problem", $"Unknown problem '{Problem}'."));
        if (BatchSize is < 1 or > Points) errors.Add(new("batchSize", $"The batch size must be between 1 and {Points:N0} (all the data)."));
        if (Epochs is < 1 or > 20) errors.Add(new("epochs", "Epochs must be between 1 and 20."));
        // Each step of each method costs ~0.1 ms with its full-data loss: 300 steps keep an update near 100 ms.
        else if (BatchSize >= 1 && Epochs * ((Points + BatchSize - 1) / BatchSize) > MaxSteps)
            errors.Add(new("steps", $"{Epochs} epoch(s) at batch {BatchSize} is {Epochs * ((Points + BatchSize - 1) / BatchSize):N0} steps; " +
                $"this view recomputes as you move a control, so it takes at most {MaxSteps} steps a method: use a larger batch or fewer epochs."));
        if (!double.IsFinite(Noise) || Noise < 0 || Noise > 10) errors.Add(new("noise", "The noise σ must be between 0 and 10."));
        return errors;
    }
}

/// <summary>One method on a regression problem, by function evaluations rather than iterations.</summary>
/// <param name="Evaluations">Cumulative loss evaluations after each step (x axis of "loss vs evaluations").</param>
/// <param name="FullLoss">Full-data loss after each step: with mini-batches it can go up even when Armijo accepts.</param>
/// <param name="EvaluationsPerStep">What each step cost (1 + backtracking trials).</param>
/// <param name="Increases">Steps after which the full-data loss went up.</param>
public sealed record EvaluationTrace(string Method, double[] Evaluations, double[] FullLoss, double[] StepSize,
    int[] EvaluationsPerStep, int Increases);

/// <summary>Armijo line search, Polyak and constant steps on 1a/1b, with or without mini-batches.</summary>
public static class StochasticLineSearch
{
    public static IReadOnlyList<string> Methods { get; } = [OptimizerCatalog.ArmijoSgd, OptimizerCatalog.PolyakSgd, OptimizerCatalog.Sgd];

    /// <summary>The three methods on valid mini-batch settings (validate first: <see cref="MiniBatchSettings.Validate"/>).</summary>
    public static IReadOnlyList<EvaluationTrace> Run(MiniBatchSettings s) => Run(s.Problem, s.BatchSize, s.Epochs, s.Noise);

    /// <param name="batchSize">The mini-batch; the problem's whole data set (1000) is plain line search.</param>
    public static IReadOnlyList<EvaluationTrace> Run(string problem, int batchSize, int epochs, double noise = 1.0, int seed = 0, double lr = 0.1)
    {
        var traces = new List<EvaluationTrace>();
        var options = new ProblemOptions { Noise = problem == ProblemCatalog.NoisyLinear ? noise : null };
        using var data = ProblemCatalog.Create(problem, options);
        foreach (var method in Methods)
        {
            var request = new RunRequest
            {
                Problem = problem, ProblemOptions = options, Optimizer = method, BatchSize = batchSize, Epochs = epochs, Seed = seed,
                OptimizerOptions = method == OptimizerCatalog.Sgd ? new() { Lr = lr } : new(),
            };
            RunValidation.EnsureValid(request);
            var recorder = new RunRecorder();
            Trainer.Run(data, request, recorder);
            var full = recorder.Batches.Select(b => data.FullLoss(b.Parameters!)).ToArray();
            var perStep = recorder.Batches.Select(b => 1 + b.Evaluations).ToArray();
            double total = 0;
            traces.Add(new EvaluationTrace(method, [.. perStep.Select(e => total += e)], full,
                [.. recorder.Batches.Select(b => b.StepSize)], perStep,
                full.Zip(full.Skip(1)).Count(p => p.Second > p.First * (1 + 1e-12))));
        }
        return traces;
    }
}
