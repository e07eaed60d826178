using System.Diagnostics;
using PolyakCore.Optimization;
using PolyakCore.Optimization.Directions;
using PolyakCore.Problems;
using TorchSharp;
using static TorchSharp.torch;

namespace PolyakCore.Training;

/// <summary>Runs many requests on one small problem at once, each as a row of a (K, P) parameter matrix.</summary>
/// <remarks>On tiny models each torch op costs microseconds whatever its size, so K runs cost little more
/// than one: the two-well explorer and escape map live on this. Every row follows exactly the rules of
/// <see cref="Trainer"/> (same shuffling, start, directions and step rules, one instance per row), so a row
/// gives the same records as a single run up to floating-point summation order. A row's mini-batch is a
/// weight row over all N points, so this is for small data (K·N up to ~10⁶).</remarks>
public static class TrajectoryBatch
{
    /// <param name="epochLosses">Compute the full-data loss at every epoch end for the sinks (off when only the
    /// per-batch records are wanted: it is one more loss evaluation over all the data).</param>
    public static RunSummary[] Run(SmallProblem problem, IReadOnlyList<RunRequest> requests,
        Func<int, IRunSink?>? sinks = null, CancellationToken cancel = default, bool epochLosses = true)
    {
        foreach (var r in requests) RunValidation.EnsureValid(r with { ProblemOptions = r.ProblemOptions with { Points = problem.Count } });
        var clock = Stopwatch.StartNew();
        int k = requests.Count, p = problem.ParameterCount, n = problem.Count;
        var rows = requests.Select((r, i) => new Row(r, problem, sinks?.Invoke(i))).ToArray();
        int longest = rows.Max(r => r.Total);

        var start = new double[k * p];
        for (int i = 0; i < k; i++) Array.Copy(rows[i].Last, 0, start, i * p, p);
        using var theta = tensor(start, [k, p], float64).requires_grad_(!problem.HasClosedFormGradient);
        var adamGroups = AdamGroups(requests);
        var weights = new double[k * n];
        var alphas = new double[k];
        bool recordParameters = p <= 10;
        bool recordEpochs = sinks is not null && epochLosses;   // full-data losses only feed records

        using (var scope = NewDisposeScope())
        {
            var full = ReadFullLosses(problem, theta);
            for (int i = 0; i < k; i++) rows[i].Sink?.OnEpoch(new EpochRecord(0, full[i], recordParameters ? rows[i].Last : null));
        }

        for (int s = 0; s < longest && rows.Any(r => r.Active); s++)
        {
            if (cancel.IsCancellationRequested) { foreach (var r in rows.Where(r => r.Active)) r.Stop(RunStatus.Cancelled, "Cancelled."); break; }
            using var scope = NewDisposeScope();
            Array.Clear(weights);
            for (int i = 0; i < k; i++) if (rows[i].Active) rows[i].FillWeights(s, weights.AsSpan(i * n, n));
            var w = tensor(weights, [k, n], float64);

            var (losses, g) = LossAndGradient(problem, theta, w);

            using var noGrad = no_grad();
            var d = adamGroups.Count == 0 ? g : g.clone();
            foreach (var (direction, index) in adamGroups)
            {
                direction.BeginStep();
                d.index_copy_(0, index, direction.Compute(0, g.index_select(0, index)));
            }
            var gg = g.square().sum(1, false);
            var sums = (adamGroups.Count == 0 ? stack([losses, gg, gg, gg]) : stack([losses, gg, (g * d).sum(1, false), d.square().sum(1, false)]))
                .data<double>().ToArray();                                                             // (4, K), one read

            for (int i = 0; i < k; i++)
            {
                alphas[i] = 0;
                if (!rows[i].Active) continue;
                double loss = sums[i], gNormSq = sums[k + i], gd = sums[2 * k + i], dd = sums[3 * k + i];
                int row = i;
                Func<double, double>? trial = rows[i].Rule.NeedsTrialLoss
                    ? a => TrialLoss(problem, theta, d, w, row, a) : null;
                var choice = rows[i].Rule.Next(new StepContext(loss, gNormSq, gd, rows[i].Schedule.BatchesPerEpoch, trial));
                alphas[i] = choice.StepSize;
                double effective = rows[i].IsGradient ? choice.StepSize : gNormSq > 0 ? choice.StepSize * Math.Sqrt(dd / gNormSq) : 0;
                rows[i].Pending = (loss, choice.StepSize, gNormSq, effective, choice.Evaluations);
            }
            theta.sub_(tensor(alphas, float64).unsqueeze(1) * d);

            var values = theta.data<double>().ToArray();
            bool anyEpochEnd = false;
            for (int i = 0; i < k; i++)
                if (rows[i].Active) anyEpochEnd |= rows[i].Record(s, values.AsSpan(i * p, p), recordParameters, clock.Elapsed.TotalSeconds);
            if (anyEpochEnd && recordEpochs)
            {
                var full = ReadFullLosses(problem, theta);
                for (int i = 0; i < k; i++) rows[i].EndEpochIfDue(s, full[i], recordParameters);
            }
        }

        var optimum = problem.Optimum;
        double? optimalLoss = optimum is null ? null : problem.FullLoss(optimum);
        foreach (var (direction, index) in adamGroups) { direction.Dispose(); index.Dispose(); }
        return [.. rows.Select(r => r.Summary(problem, optimum, optimalLoss, clock.Elapsed.TotalSeconds))];
    }

    // The written-out gradient where the problem has one; autograd otherwise.
    private static (Tensor Losses, Tensor Gradient) LossAndGradient(SmallProblem problem, Tensor theta, Tensor w)
    {
        if (problem.HasClosedFormGradient) return problem.WeightedLossAndGradient(theta, w)!.Value;
        theta.grad?.zero_();
        var losses = (problem.PointLosses(theta, problem.Inputs, problem.Targets) * w).sum(1, false);   // (K)
        losses.sum().backward();
        return (losses.detach(), theta.grad!);
    }

    private static double[] ReadFullLosses(SmallProblem problem, Tensor theta)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return problem.FullLosses(theta.detach()).data<double>().ToArray();
    }

    // The loss of row i's mini-batch at θ_i − α·d_i (line search trials), computed on that row alone.
    private static double TrialLoss(SmallProblem problem, Tensor theta, Tensor d, Tensor w, int i, double alpha)
    {
        using var scope = NewDisposeScope();
        var trial = theta.detach().narrow(0, i, 1) - alpha * d.narrow(0, i, 1);
        return (problem.PointLosses(trial, problem.Inputs, problem.Targets) * w.narrow(0, i, 1)).sum().ToDouble();
    }

    // Rows with the same Adam settings share one direction over their stacked rows.
    private static List<(AdamDirection Direction, Tensor Index)> AdamGroups(IReadOnlyList<RunRequest> requests) =>
        [.. requests.Select((r, i) => (Request: r, Index: i))
            .Where(x => OptimizerCatalog.UsesAdam(x.Request.Optimizer))
            .GroupBy(x => ((AdamDirection)OptimizerCatalog.CreateDirection(x.Request.Optimizer, x.Request.OptimizerOptions)).Settings)
            .Select(g => (new AdamDirection(g.Key), tensor(g.Select(x => (long)x.Index).ToArray()).DetachFromDisposeScope()))];

    /// <summary>One run's bookkeeping: its schedule, rule, records and end state.</summary>
    private sealed class Row
    {
        private readonly RunRequest _request;
        private readonly double _share;
        private readonly StepStats _stats = new();
        private int[] _permutation = [];
        private int _steps;
        private string? _message;
        private RunStatus _status = RunStatus.Completed;

        public Row(RunRequest request, SmallProblem problem, IRunSink? sink)
        {
            _request = request;
            Sink = sink;
            Schedule = new BatchSchedule(request.Seed, problem.Count, request.BatchSize);
            Total = Schedule.BatchesPerEpoch * request.Epochs;
            Rule = OptimizerCatalog.CreateStepRule(request.Optimizer, request.OptimizerOptions);
            IsGradient = !OptimizerCatalog.UsesAdam(request.Optimizer);
            Last = Trainer.StartOf(problem, request);
            _share = request.Reduction == Reduction.Sum ? 1.0 : double.NaN;
        }

        public IRunSink? Sink { get; }
        public BatchSchedule Schedule { get; }
        public IStepRule Rule { get; }
        public bool IsGradient { get; }
        public int Total { get; }
        public double[] Last { get; private set; }
        public bool Active { get; private set; } = true;
        public (double Loss, double Step, double GG, double Effective, int Evaluations) Pending { get; set; }

        public void FillWeights(int step, Span<double> weights)
        {
            int b = step % Schedule.BatchesPerEpoch;
            if (b == 0) _permutation = Schedule.NextEpoch();
            var (start, length) = Schedule.Batch(b);
            double share = double.IsNaN(_share) ? 1.0 / length : _share;
            for (int j = start; j < start + length; j++) weights[_permutation[j]] = share;
        }

        /// <summary>Records step s; true when it ends an epoch.</summary>
        public bool Record(int step, ReadOnlySpan<double> parameters, bool withParameters, double seconds)
        {
            var values = parameters.ToArray();
            var (loss, alpha, gg, effective, evaluations) = Pending;
            _steps = step + 1;
            int epoch = step / Schedule.BatchesPerEpoch + 1;
            Sink?.OnBatch(new BatchRecord(_steps, epoch, loss, alpha, gg, effective, evaluations, withParameters ? values : null) { Seconds = seconds });
            if (Divergence.IsDiverged(loss) || Divergence.AnyNonFinite(values))
            {
                Stop(RunStatus.Diverged, $"Diverged at step {_steps} (epoch {epoch}): loss {loss:G4}.");
                return false;
            }
            _stats.Add(alpha);
            Last = values;
            if (_steps == Total) Active = false;
            return _steps % Schedule.BatchesPerEpoch == 0;
        }

        public void EndEpochIfDue(int step, double fullLoss, bool withParameters)
        {
            if (_steps != step + 1 || _status != RunStatus.Completed || _steps % Schedule.BatchesPerEpoch != 0) return;
            Sink?.OnEpoch(new EpochRecord(_steps / Schedule.BatchesPerEpoch, fullLoss, withParameters ? Last : null));
        }

        public void Stop(RunStatus status, string message)
        {
            (_status, _message, Active) = (status, message, false);
        }

        public RunSummary Summary(SmallProblem problem, double[]? optimum, double? optimalLoss, double seconds) =>
            Trainer.Summarize(problem, _request, _status, _message, _steps, Total, Last, _stats, seconds, optimum, optimalLoss);
    }
}
