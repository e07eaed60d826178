using System.Diagnostics;
using PolyakCore.Optimization;
using PolyakCore.Problems;
using TorchSharp;
using static TorchSharp.torch;

namespace PolyakCore.Training;

/// <summary>Runs one request on a small problem and streams its records.</summary>
/// <remarks>Synchronous on purpose: dispose scopes and no_grad are thread-local, so a run must not await
/// (see <see cref="RunThread"/>). One dispose scope per step keeps native memory flat.</remarks>
public static class Trainer
{
    /// <summary>Validates, builds the problem and runs. Bad requests throw <see cref="RunValidationException"/>;
    /// everything after that ends in the summary's status, never in an exception.</summary>
    public static RunSummary Run(RunRequest request, IRunSink? sink = null, CancellationToken cancel = default, RunLimits? limits = null)
    {
        RunValidation.EnsureValid(request, limits);
        using var problem = ProblemCatalog.Create(request.Problem, request.ProblemOptions);
        return Run(problem, request, sink, cancel);
    }

    /// <summary>Runs on an already built problem (the request's problem options are not re-read).</summary>
    public static RunSummary Run(SmallProblem problem, RunRequest request, IRunSink? sink = null, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        var schedule = new BatchSchedule(request.Seed, problem.Count, request.BatchSize);
        int total = schedule.BatchesPerEpoch * request.Epochs;
        bool recordParameters = problem.ParameterCount <= 10;
        var theta = new TorchSharp.Modules.Parameter(tensor(StartOf(problem, request), [1, problem.ParameterCount], float64));   // one row of (K, P)
        using var optimizer = OptimizerCatalog.Create(request.Optimizer, request.OptimizerOptions, [theta], schedule.BatchesPerEpoch);
        var stats = new StepStats();
        double[] last = ReadParameters(theta);
        var status = RunStatus.Completed;
        string? message = null;
        int step = 0;

        using var turn = ComputeSlots.Shared.Join(cancel);
        try
        {
            sink?.OnEpoch(new EpochRecord(0, problem.FullLoss(last), recordParameters ? last : null));
            for (int epoch = 1; epoch <= request.Epochs && status == RunStatus.Completed; epoch++)
            {
                using var epochScope = NewDisposeScope();
                var order = tensor(schedule.NextEpoch().Select(i => (long)i).ToArray());
                var inputs = problem.Inputs.index_select(0, order);     // shuffled once per epoch; batches are views
                var targets = problem.Targets.index_select(0, order);
                for (int b = 0; b < schedule.BatchesPerEpoch; b++)
                {
                    turn.Next();
                    if (cancel.IsCancellationRequested) { status = RunStatus.Cancelled; message = "Cancelled."; break; }
                    var (start, length) = schedule.Batch(b);
                    var record = TrainStep(problem, request.Reduction, theta, optimizer,
                        inputs.narrow(0, start, length), targets.narrow(0, start, length));
                    step++;
                    var parameters = ReadParameters(theta);
                    sink?.OnBatch(new BatchRecord(step, epoch, record.Loss, record.StepSize, record.GradNormSq,
                        record.EffectiveStep, record.Evaluations, recordParameters ? parameters : null) { Seconds = clock.Elapsed.TotalSeconds });
                    if (Divergence.IsDiverged(record.Loss) || Divergence.AnyNonFinite(parameters))
                    {
                        status = RunStatus.Diverged;
                        message = $"Diverged at step {step} (epoch {epoch}): loss {record.Loss:G4}.";
                        break;
                    }
                    stats.Add(record.StepSize);
                    last = parameters;
                }
                if (status == RunStatus.Completed)
                    sink?.OnEpoch(new EpochRecord(epoch, problem.FullLoss(last), recordParameters ? last : null));
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            status = RunStatus.Failed;
            message = e.Message;
        }
        finally
        {
            theta.Dispose();
        }

        return Summarize(problem, request, status, message, step, total, last, problem.FullLoss(last), stats, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The end of a run, as every engine reports it.</summary>
    /// <param name="finalLoss">The full-data loss at <paramref name="last"/> (the batched engine computes every row's at once).</param>
    internal static RunSummary Summarize(SmallProblem problem, RunRequest request, RunStatus status, string? message,
        int steps, int total, double[] last, double finalLoss, StepStats stats, double seconds) => new()
    {
        Status = status,
        Message = message,
        Steps = steps,
        TotalSteps = total,
        FinalLoss = finalLoss,
        Parameters = last,
        ParameterNames = problem.ParameterNames,
        MaxStepSize = stats.Max,
        MeanStepSize = stats.Mean,
        DivergedAtStep = status == RunStatus.Diverged ? steps : null,
        Optimum = problem.Optimum,
        OptimalLoss = problem.OptimalLoss,
        Seconds = seconds,
        Request = request,
    };

    private static StepRecord TrainStep(SmallProblem problem, Reduction reduction, TorchSharp.Modules.Parameter theta,
        Optimizer optimizer, Tensor inputs, Tensor targets)
    {
        using var scope = NewDisposeScope();
        theta.grad?.zero_();
        Tensor BatchLoss()
        {
            var losses = problem.PointLosses(theta, inputs, targets);
            return reduction == Reduction.Sum ? losses.sum() : losses.mean();
        }
        var loss = BatchLoss();
        loss.backward();
        Func<double>? evaluate = optimizer.StepRule.NeedsTrialLoss ? () => BatchLoss().ToDouble() : null;
        return optimizer.Step(loss, evaluate);
    }

    public static double[] StartOf(SmallProblem problem, RunRequest request) =>
        request.ProblemOptions.Start is { } start ? [.. start] : problem.InitialParameters(request.Seed);

    private static double[] ReadParameters(Tensor theta) => theta.data<double>().ToArray();
}

/// <summary>Running max and mean of the step sizes.</summary>
internal sealed class StepStats
{
    private double _sum;
    private int _count;
    public double Max { get; private set; }
    public double Mean => _count == 0 ? 0 : _sum / _count;
    public void Add(double step)
    {
        if (!double.IsFinite(step)) return;
        _sum += step; _count++;
        if (_count == 1 || step > Max) Max = step;
    }
}
