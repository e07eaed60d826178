using PolyakCore.Problems;
using PolyakCore.Training;
using PolyakCore.Optimization;

namespace PolyakCore.Demos;

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
