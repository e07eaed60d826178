using PolyakCore.Shared;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PolyakCore.Optimization;
using PolyakCore.Optimization.Directions;
using PolyakCore.Problems;
using TorchSharp;
using static TorchSharp.torch;

namespace PolyakCore.Training;

/// <summary>One run of a batched computation: its request, the problem (data set) it trains on, and where its records go.</summary>
public sealed record BatchRun(RunRequest Request, SmallProblem Problem, IRunSink? Sink = null);

/// <summary>What the batched engine records besides the summaries.</summary>
/// <param name="EpochLosses">The full-data loss at every epoch end, for the sinks (one more loss evaluation over all the data).</param>
/// <param name="StepParameters">θ after every step in the batch records (paths); off when only losses are wanted.</param>
public sealed record BatchRecording(bool EpochLosses = true, bool StepParameters = true);

/// <summary>Runs many requests at once, each as a row of a (K, P) parameter matrix.</summary>
/// <remarks>On tiny models each torch op costs microseconds whatever its size, so K runs cost little more than one:
/// ensembles over seeds, the two-well explorer and escape maps live on this. Rows with the same loss formula, number of
/// points, batch size and reduction step in lockstep (their mini-batches have equal lengths) as one group; each row
/// gathers its own mini-batch from its own data set, so runs on different data draws batch together. Every row follows
/// exactly the rules of <see cref="Trainer"/>: the same shuffling and start, and the same direction and step-rule
/// classes (one direction instance per group of equal settings over its stacked rows, one step rule per row), so a row
/// gives the same records as a single run up to floating-point summation order.</remarks>
public static class TrajectoryBatch
{

    /// <summary>Runs every request on one shared problem.</summary>
    public static RunSummary[] Run(SmallProblem problem, IReadOnlyList<RunRequest> requests,
        Func<int, IRunSink?>? sinks = null, CancellationToken cancel = default, bool epochLosses = true) =>
        Run([.. requests.Select((r, i) => new BatchRun(r, problem, sinks?.Invoke(i)))], new BatchRecording(epochLosses), cancel);

    /// <summary>Runs every row; rows may train on different problems (data sets) of the same kind.</summary>
    public static RunSummary[] Run(IReadOnlyList<BatchRun> runs, BatchRecording? recording = null, CancellationToken cancel = default)
    {
        recording ??= new BatchRecording();
        foreach (var run in runs)
            RunValidation.EnsureValid(run.Request with { ProblemOptions = (run.Request.ProblemOptions ?? new()) with { Points = run.Problem.Count } });
        var clock = Stopwatch.StartNew();
        var summaries = new RunSummary[runs.Count];
        // Many tiny ops: a second intra-op thread only adds hand-offs (and spins against the other runs' threads).
        int threads = get_num_threads();
        TorchThreads.Use(1);
        try
        {
            RunGroups(runs, recording, clock, summaries, cancel);
        }
        finally
        {
            TorchThreads.Use(threads);
        }
        return summaries;
    }

    private static void RunGroups(IReadOnlyList<BatchRun> runs, BatchRecording recording, Stopwatch clock, RunSummary[] summaries, CancellationToken cancel)
    {
        int cores = Environment.ProcessorCount;
        var groups = runs.Select((run, index) => (run, index))
            .GroupBy(x => (x.run.Problem.LossKey, x.run.Problem.Count, x.run.Request.BatchSize, x.run.Request.Reduction))
            .Select(group => group.ToArray()).ToArray();
        var parts = Plan(groups, cores).OrderByDescending(Cost).ToArray();
        void RunPart((BatchRun run, int index)[] members)
        {
            using var lockstep = new LockstepGroup([.. members.Select(m => m.run)], recording, clock, drawAhead: parts.Length < cores);
            var results = lockstep.Run(cancel);
            for (int i = 0; i < members.Length; i++) summaries[members[i].index] = results[i];
        }
        if (parts.Length == 1 || cores == 1)
        {
            foreach (var part in parts) RunPart(part);
            return;
        }
        // Independent parts on every core, each thread with one torch thread: an ensemble's many rows are data parallel,
        // while one small run is a chain of microsecond ops that more threads cannot shorten. Threads of their own, not
        // the pool's: a part computes for seconds, and pool threads blocked that long starve the server's other work.
        int next = -1;
        void Work()
        {
            for (int i = Interlocked.Increment(ref next); i < parts.Length; i = Interlocked.Increment(ref next)) RunPart(parts[i]);
        }
        var others = Enumerable.Range(0, Math.Min(cores, parts.Length) - 1)
            .Select(_ => RunThread.Start(() => { Work(); return true; }, "ensemble part", torchThreads: 1)).ToArray();
        try
        {
            Work();
        }
        finally
        {
            if (others.Length > 0) Task.WhenAll(others).GetAwaiter().GetResult();     // their first failure, if any
        }
    }

    // The parts the cores compute: whole groups, the costliest cut into one part per core while that brings the predicted
    // end nearer (parts laid out longest first, each on the least busy core, as the threads take them). Each part pays
    // its group's per-step cost again, so a cut only pays where a group would otherwise hold one core while the others
    // idle: a 20-seed 1b grid cut all four groups in two (16,800 part-steps), where its batch-16 group on one core beside
    // the other three on the other ends first (8,400; `-- ensemble-ratio 11`: 20 seeds 0.175–0.194 s against 0.200–0.207).
    private static List<(BatchRun run, int index)[]> Plan((BatchRun run, int index)[][] groups, int cores)
    {
        var parts = groups.ToList();
        var whole = new HashSet<(BatchRun run, int index)[]>(groups);
        while (parts.MaxBy(Cost) is { } largest && whole.Contains(largest))
        {
            var cut = Split(largest, cores).ToArray();
            if (cut.Length < 2) break;
            var planned = parts.Where(part => part != largest).Concat(cut).ToList();
            if (End(planned, cores) >= End(parts, cores)) break;
            parts = planned;
        }
        return parts;
    }

    // When the last core would finish the parts, longest first, each on the least busy core.
    private static double End(List<(BatchRun run, int index)[]> parts, int cores)
    {
        var busy = new double[Math.Max(1, cores)];
        foreach (double cost in parts.Select(Cost).OrderDescending()) busy[Array.IndexOf(busy, busy.Min())] += cost;
        return busy.Max();
    }

    // A group's rough cost in nanoseconds (for planning only: no result depends on it): every step pays its torch ops
    // (~10 µs), every row its bookkeeping (~0.1 µs) and every point ~1 ns (AMD EPYC, `-- least-squares`).
    private static double Cost((BatchRun run, int index)[] group)
    {
        var (problem, request) = (group[0].run.Problem, group[0].run.Request);
        int batch = Math.Min(request.BatchSize, problem.Count), steps = group.Max(x => x.run.Request.Epochs) * ((problem.Count + batch - 1) / batch);
        return steps * (10_000.0 + group.Length * (100.0 + batch));
    }

    // A large group in as many parts as there are cores (rows are independent: a part computes exactly what the whole
    // would for its rows), so the parts can run side by side; a part keeps at least MinPartRows rows. Cut by seed, not
    // by configuration: rows of one seed share its shuffle (and, on one data draw, their gathered points), so a seed's
    // rows in one part draw and gather once where two parts would each do it.
    private static IEnumerable<(BatchRun run, int index)[]> Split((BatchRun run, int index)[] group, int cores)
    {
        int parts = Math.Clamp(group.Length / MinPartRows, 1, cores);
        int size = (group.Length + parts - 1) / parts;
        return group.OrderBy(x => x.run.Request.Seed).Chunk(size);
    }

    private const int MinPartRows = 16;

    /// <summary>Rows whose mini-batches have equal lengths at every step, advanced together.</summary>
    private sealed class LockstepGroup : IDisposable
    {
        private readonly BatchRun[] _runs;
        private readonly Row[] _rows;
        private readonly BatchRecording _recording;
        private readonly Stopwatch _clock;
        private readonly SmallProblem _formula;
        private readonly Tensor _inputs, _targets;          // every distinct data set, stacked: (D·N, F) and (D·N)
        private readonly long[] _offsets;                   // row k's data starts at _offsets[k] in the stack
        private readonly bool _sharedData;                  // then the stack is the one problem's own tensors (not ours to dispose)
        private readonly List<(IDirection Direction, Tensor Index)> _directions = [];
        private readonly EpochOrder[] _orders;              // one per data set and seed: rows that share both share their order
        private readonly EpochShuffle[] _shuffles;          // one per seed: a permutation depends on the seed alone, not on the data
        private (Tensor Inputs, Tensor Targets)? _everyRow;
        private readonly QuadraticLoss? _quadratic;         // every row's full-data loss in closed form, where the problem has one
        private Tensor? _epochInputs, _epochTargets;        // each order's points in its epoch's order, batch by batch (see GatherEpoch)
        private readonly int[]? _epochOrders;              // stacked problems: each seed's permutation of the epoch, one after another
        private readonly long[] _orderOffsets;              // row k's permutation starts at _orderOffsets[k] in _epochOrders
        private readonly Tensor? _orderOfRow;               // (K) each row's order block, where rows share one (batch tensors, not stacked)
        private readonly bool _stacked;                     // the problem reads batches from memory: no batch tensors
        private readonly Tensor? _stepLosses, _stepGradient; // a stacked step's outputs, (K) and (K, P), written again every step
        private Task? _drawing;                             // the next epoch's permutations, being drawn
        private readonly bool _drawAhead;                   // on another thread (when a core is free for it)
        private int _epoch;
        private readonly int _epochs;
        private readonly int _k, _p, _n, _features;
        private readonly bool _modelProducts;               // some row's rule reads ⟨θ, g⟩, ⟨θ, m⟩, ⟨m, d⟩ (MoMo)

        public LockstepGroup(BatchRun[] runs, BatchRecording recording, Stopwatch clock, bool drawAhead)
        {
            (_runs, _recording, _clock, _drawAhead) = (runs, recording, clock, drawAhead);
            _formula = runs[0].Problem;
            (_k, _p, _n) = (runs.Length, _formula.ParameterCount, _formula.Count);
            var dataSets = runs.Select(r => r.Problem).Distinct().ToList();
            _sharedData = dataSets.Count == 1;
            _offsets = [.. runs.Select(r => (long)dataSets.IndexOf(r.Problem) * _n)];
            _inputs = _sharedData ? _formula.Inputs : cat([.. dataSets.Select(d => d.Inputs)], 0);
            _features = (int)_inputs.shape[1];
            _targets = _sharedData ? _formula.Targets : cat([.. dataSets.Select(d => d.Targets)], 0);
            if (!_inputs.is_contiguous() || !_targets.is_contiguous()) throw new ArgumentException("A problem's data must be contiguous.");
            _rows = [.. runs.Select(r => new Row(r))];
            _shuffles = [.. _rows.GroupBy(row => row.Seed).Select(g => new EpochShuffle(g.First().Schedule, [.. g]))];
            var shuffleOf = _shuffles.ToDictionary(shuffle => shuffle.Seed);
            _orders = [.. _rows.Select((row, i) => (row, i)).GroupBy(x => (_offsets[x.i], x.row.Seed)).Select((g, slot) =>
            {
                var order = new EpochOrder(shuffleOf[g.Key.Seed], g.Key.Item1, slot, [.. g.Select(x => x.row)]);
                foreach (var (row, _) in g) row.Order = order;
                return order;
            })];
            _stacked = _formula.HasStackedBatches;
            if (_stacked)
            {
                _epochOrders = new int[_shuffles.Length * _n];
                _orderOffsets = [.. _rows.Select(row => (long)Array.IndexOf(_shuffles, shuffleOf[row.Seed]) * _n)];
            }
            else _orderOffsets = [];
            if (!_stacked && (_orders.Length < _k || _rows.Where((row, i) => row.Order.Slot != i).Any()))
                _orderOfRow = tensor(_rows.Select(row => (long)row.Order.Slot).ToArray()).DetachFromDisposeScope();
            _epochs = runs.Max(r => r.Request.Epochs);
            if (_stacked) (_stepLosses, _stepGradient) = (empty(_k, float64).DetachFromDisposeScope(), empty(_k, _p, float64).DetachFromDisposeScope());
            _modelProducts = _rows.Any(r => r.Rule.NeedsModelProducts);
            if (dataSets.All(d => d.Quadratic is not null))
                _quadratic = _sharedData ? _formula.Quadratic : QuadraticLoss.Stack([.. runs.Select(r => r.Problem.Quadratic!)]);

            // Rows whose directions have equal settings share one instance over their stacked rows.
            foreach (var kind in _rows.Select((row, i) => (row, i)).Where(x => !x.row.Direction.IsGradient)
                         .GroupBy(x => (x.row.Direction.GetType(), x.row.Direction.Settings)))
                _directions.Add((kind.First().row.Direction.Clone(), tensor(kind.Select(x => (long)x.i).ToArray())));
        }

        // Optimized from its first call, as the other loops an ensemble spends its time in (the rows' record, least squares,
        // shuffles, quantiles): a fresh server's first ensembles otherwise ran them unoptimized while the JIT tiered them up
        // (`bench/PolyakBench -- first-ensembles`: its first 20-seed 1b grid 0.85–0.92 s, the fourth still 0.33–0.35).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public RunSummary[] Run(CancellationToken cancel)
        {
            int batchesPerEpoch = _rows[0].Schedule.BatchesPerEpoch, longest = _rows.Max(r => r.Total);
            bool recordEpochs = _recording.EpochLosses && _rows.Any(r => r.Sink is not null);
            bool withParameters = _p <= 10;
            var start = new double[_k * _p];
            for (int i = 0; i < _k; i++) Array.Copy(_rows[i].Last, 0, start, i * _p, _p);
            using var theta = tensor(start, [_k, _p], float64);
            var alphas = new double[_k];
            using var alphaTensor = zeros(_k, 1, float64);
            var values = new double[_k * _p];

            using var turn = ComputeSlots.Shared.Join(cancel);
            if (recordEpochs) EndEpoch(theta, 0, withParameters);
            for (int s = 0; s < longest && _rows.Any(r => r.Active); s++)
            {
                turn.Next();
                if (cancel.IsCancellationRequested) { foreach (var r in _rows.Where(r => r.Active)) r.Stop(RunStatus.Cancelled, "Cancelled."); break; }
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                var batch = NextBatch(s % batchesPerEpoch);
                var (losses, g) = LossAndGradient(theta, batch);
                var d = _directions.Count == 0 ? g : g.clone();
                foreach (var (direction, index) in _directions)
                {
                    direction.BeginStep();
                    d.index_copy_(0, index, direction.Compute(0, g.index_select(0, index)));
                }
                var gg = g.Squared().sum(1, false);
                var reduced = _directions.Count == 0 ? new List<Tensor> { losses, gg } : [losses, gg, (g * d).sum(1, false), d.Squared().sum(1, false)];
                if (_modelProducts)
                {
                    // MoMo's ⟨θ, g⟩, ⟨θ, m⟩, ⟨m, d⟩ (m = d unless the direction names its averaged gradient, as Adam's m̂).
                    var m = d;
                    foreach (var (direction, index) in _directions)
                        if (direction.Momentum(0) is { } rows) { if (ReferenceEquals(m, d)) m = d.clone(); m.index_copy_(0, index, rows); }
                    reduced.AddRange([(theta * g).sum(1, false), (theta * m).sum(1, false), (m * d).sum(1, false)]);
                }
                var sums = TensorMemory.Doubles(stack(reduced));              // read in place: the stack lives until the step's scope ends
                int model = reduced.Count - 3;
                for (int i = 0; i < _k; i++)
                {
                    alphas[i] = 0;
                    var row = _rows[i];
                    if (!row.Active) continue;
                    double loss = sums[i], gNormSq = sums[_k + i];
                    var reductions = _directions.Count == 0 ? StepReductions.ForGradient(gNormSq)
                        : new StepReductions(gNormSq, sums[2 * _k + i], sums[3 * _k + i]);
                    if (_modelProducts)
                        reductions = reductions with { Model = new(sums[model * _k + i], sums[(model + 1) * _k + i], sums[(model + 2) * _k + i]) };
                    var trial = row.NeedsTrialLoss ? TrialOf(theta, d, batch, i) : null;
                    var choice = row.Rule.Next(reductions.Context(loss, batchesPerEpoch, trial));
                    alphas[i] = choice.StepSize;
                    row.Pending = reductions.Record(loss, choice, row.IsGradient);
                }
               
                alphaTensor.bytes = MemoryMarshal.AsBytes(alphas.AsSpan());
                theta.sub_(alphaTensor * d);                                  // stopped rows: α = 0 (their θ is not read again)

                TensorMemory.Doubles(theta).CopyTo(values);
               
                double seconds = _clock.Elapsed.TotalSeconds;
                bool epochEnd = false;
                for (int i = 0; i < _k; i++)
                    if (_rows[i].Active) epochEnd |= _rows[i].Record(s, values.AsSpan(i * _p, _p), _recording.StepParameters && withParameters, seconds);
               
                if (epochEnd && recordEpochs) EndEpoch(theta, s + 1, withParameters);
               
            }

            var summaries = new RunSummary[_k];
            var finalLosses = FinalLosses();
            double elapsed = _clock.Elapsed.TotalSeconds;
            for (int i = 0; i < _k; i++) summaries[i] = _rows[i].Summary(finalLosses[i], elapsed);
            return summaries;
        }

        // Every row's full-data loss at its last finite θ, in one evaluation (a row at a time it was a few torch calls each,
        // a tenth of a 20-seed grid's set-up and tear-down).
        private double[] FinalLosses()
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var last = new double[_k * _p];
            for (int i = 0; i < _k; i++) Array.Copy(_rows[i].Last, 0, last, i * _p, _p);
            var full = new double[_k];
            var theta = tensor(last, [_k, _p], float64);
            if (_quadratic is { } quadratic) quadratic.Evaluate(theta).data<double>().CopyTo(full, 0);
            else FullLossesByChunk(theta, full);
            return full;
        }

        /// <summary>Mini-batch b of the rows' current epochs: where it starts in the epoch's order, its length, the
        /// reduction's scale, and each row's points, (K, B, F) inputs and (K, B) targets (null for a full batch, and where
        /// the problem reads batches from memory).</summary>
        private readonly record struct Batch(int Begin, int Length, double Scale, Tensor? Inputs, Tensor? Targets);

        private Batch NextBatch(int b)
        {
            var (begin, length) = _rows[0].Schedule.Batch(b);
            double scale = _runs[0].Request.Reduction == Reduction.Sum ? 1.0 : 1.0 / length;
            // A full batch is every point whatever the order (the sum's order aside): no gather, and no shuffle — with one
            // batch an epoch no permutation is ever read.
            if (length == _n) return new(begin, length, scale, null, null);
            if (b == 0) StartEpoch();
            if (_stacked) return new(begin, length, scale, null, null);
            // Every order's batch b is one contiguous (O, B, F) block, laid out at the epoch's start: a view, copied into the
            // rows' order only where rows share an order.
            int orders = _orders.Length;
            var inputs = _epochInputs!.narrow(0, (long)orders * begin * _features, (long)orders * length * _features).view(orders, length, _features);
            var targets = _epochTargets!.narrow(0, (long)orders * begin, (long)orders * length).view(orders, length);
            if (_orderOfRow is { } orderOfRow) (inputs, targets) = (inputs.index_select(0, orderOfRow), targets.index_select(0, orderOfRow));
            return new(begin, length, scale, inputs, targets);
        }

        // Every seed's permutation of the epoch that starts: drawn ahead, during the previous epoch's steps, on another
        // thread when a core is free (shuffling is an ensemble's largest C# cost, and the torch ops here keep to one thread).
        // A problem that reads batches from memory reads them through the permutations, side by side in one array; for
        // batch tensors the points are gathered into their epoch's order.
        private void StartEpoch()
        {
            _drawing?.Wait();
            foreach (var shuffle in _shuffles) shuffle.StartEpoch();
            if (_epochOrders is { } epochOrders)
                for (int slot = 0; slot < _shuffles.Length; slot++) _shuffles[slot].Current.CopyTo(epochOrders, slot * _n);
            else GatherEpoch();
            if (++_epoch < _epochs && _drawAhead) _drawing = Task.Run(() => { foreach (var shuffle in _shuffles) shuffle.DrawAhead(); });
        }

        // Every order's points in its epoch's order (rows of one data set and seed share an order), laid out batch by batch:
        // batch b (points begin..begin+B of every order's permutation) is one contiguous (O, B, F) block at O·begin·F, so
        // a step reads one block front to back (the prefetcher follows one stream, not one an order) and a batch tensor is
        // a plain view. Gathered here, an order at a time, rather than per batch by index_select: libtorch copies each
        // point (a few doubles) with a memmove call of its own, and a batch's rows jump between data sets larger than the
        // cache together, where one data set read whole stays in it.
        private void GatherEpoch()
        {
            int features = _features, orders = _orders.Length, batchSize = _rows[0].Schedule.BatchSize;
            if (_epochInputs is null || _epochTargets is null)
                (_epochInputs, _epochTargets) = (empty((long)orders * _n * features, float64).DetachFromDisposeScope(), empty((long)orders * _n, float64).DetachFromDisposeScope());
            // Written straight into the tensors' memory (read from libtorch only after this returns).
            Span<double> epochInputs = TensorMemory.Doubles(_epochInputs), epochTargets = TensorMemory.Doubles(_epochTargets);
            ReadOnlySpan<double> inputValues = TensorMemory.Doubles(_inputs), targetValues = TensorMemory.Doubles(_targets);
            foreach (var order in _orders)
            {
                if (!order.Active) continue;                    // its rows have stopped: their batches are not read
                var permutation = order.Current;
                if ((uint)permutation.Length != (uint)_n) throw new InvalidOperationException("A row's permutation must cover its points.");
                int data = (int)order.DataOffset;
                ReadOnlySpan<double> dataInputs = inputValues.Slice(data * features, _n * features), dataTargets = targetValues.Slice(data, _n);
                for (int begin = 0; begin < _n; begin += batchSize)
                {
                    int length = Math.Min(batchSize, _n - begin), at = orders * begin + order.Slot * length;
                    CopyPoints(permutation.AsSpan(begin, length), features, dataInputs, dataTargets,
                        epochInputs.Slice(at * features, length * features), epochTargets.Slice(at, length));
                }
            }
        }

        // Point by point, element by element (a point is a few doubles: a span copy per point costs a memmove call), without
        // bounds checks: every index in a permutation is below the data's count, which the slices were cut to.
        private static void CopyPoints(ReadOnlySpan<int> points, int features, ReadOnlySpan<double> dataInputs, ReadOnlySpan<double> dataTargets,
            Span<double> inputs, Span<double> targets)
        {
            ref double fromInputs = ref MemoryMarshal.GetReference(dataInputs), fromTargets = ref MemoryMarshal.GetReference(dataTargets);
            ref double toInputs = ref MemoryMarshal.GetReference(inputs), toTargets = ref MemoryMarshal.GetReference(targets);
            for (int to = 0; to < points.Length; to++)
            {
                int point = points[to];
                Unsafe.Add(ref toTargets, to) = Unsafe.Add(ref fromTargets, point);
                ref double from = ref Unsafe.Add(ref fromInputs, point * features), into = ref Unsafe.Add(ref toInputs, to * features);
                for (int f = 0; f < features; f++) Unsafe.Add(ref into, f) = Unsafe.Add(ref from, f);
            }
        }

        // Rows count..count+n's mini-batches: (n, B, F) inputs and (n, B) targets.
        private (Tensor Inputs, Tensor Targets) Gather(Batch batch, int first, int count)
        {
            if (batch.Inputs is { } batchInputs && batch.Targets is { } batchTargets)
                return count == _k ? (batchInputs, batchTargets) : (batchInputs.narrow(0, first, count), batchTargets.narrow(0, first, count));
            if (_sharedData) return (_formula.Inputs.unsqueeze(0).expand(count, _n, _features), _formula.Targets.unsqueeze(0).expand(count, _n));
            var (inputs, targets) = EveryRowsData();
            return (inputs.narrow(0, first, count), targets.narrow(0, first, count));
        }

        // Rows a chunk computes at once: every per-point temporary stays under glibc's mmap threshold (the server fixes
        // it at 128 KB to keep RSS flat), where a larger one costs an mmap, page faults and an munmap each time.
        private int RowsPerChunk(int points) => Math.Max(1, ChunkElements / (points * Math.Max(2, _features)));

        private const int ChunkElements = 12_000;

        // Each row's mini-batch loss and gradient, (K) and (K, P), computed in chunks of rows.
        private (Tensor Losses, Tensor Gradient) LossAndGradient(Tensor theta, Batch batch)
        {
            if (_stacked)
            {
                _formula.StackedLossAndGradient(TensorMemory.Doubles(theta), Stacked(batch, 0, _k),
                    TensorMemory.Doubles(_stepLosses!), TensorMemory.Doubles(_stepGradient!));
                return (_stepLosses!, _stepGradient!);
            }
            int rows = RowsPerChunk(batch.Length);
            if (rows >= _k)
            {
                var (inputs, targets) = Gather(batch, 0, _k);
                return _formula.BatchLossAndGradient(theta, inputs, targets, batch.Scale);
            }
            var losses = empty(_k, float64);
            var gradient = empty(_k, _p, float64);
            for (int first = 0; first < _k; first += rows)
            {
                int count = Math.Min(rows, _k - first);
                using var scope = NewDisposeScope();
                var (inputs, targets) = Gather(batch, first, count);
                var (l, g) = _formula.BatchLossAndGradient(theta.narrow(0, first, count), inputs, targets, batch.Scale);
                losses.narrow(0, first, count).copy_(l);
                gradient.narrow(0, first, count).copy_(g);
            }
            return (losses, gradient);
        }

        // Rows first..first+count's batch, read where the points lie: their seed's permutation of the epoch over their data
        // set (a full batch: their data set as stored, whatever the order).
        private StackedBatch Stacked(Batch batch, int first, int count)
        {
            ReadOnlySpan<double> inputs = TensorMemory.Doubles(_inputs), targets = TensorMemory.Doubles(_targets);
            var offsets = _offsets.AsSpan(first, count);
            if (batch.Length == _n) return new(inputs, targets, _n, offsets, 0, _n, batch.Scale);
            return new(inputs, targets, _n, offsets, batch.Begin, batch.Length, batch.Scale, _epochOrders, _orderOffsets.AsSpan(first, count));
        }

        // Made here, not in the step loop: a lambda there captured the step's locals and each row's index, so every row
        // and step allocated a closure, rule or no line search.
        private Func<double, double> TrialOf(Tensor theta, Tensor d, Batch batch, int i) => a => TrialLoss(theta, d, batch, i, a);

        // The loss of row i's mini-batch at θ_i − α·d_i (line-search trials), computed on that row alone.
        private double TrialLoss(Tensor theta, Tensor d, Batch batch, int i, double alpha)
        {
            if (_stacked)
            {
                Span<double> moved = stackalloc double[_p], loss = stackalloc double[1], gradient = stackalloc double[_p];
                ReadOnlySpan<double> at = TensorMemory.Doubles(theta).Slice(i * _p, _p), direction = TensorMemory.Doubles(d.contiguous()).Slice(i * _p, _p);
                for (int f = 0; f < _p; f++) moved[f] = at[f] - alpha * direction[f];
                _formula.StackedLossAndGradient(moved, Stacked(batch, i, 1), loss, gradient);
                return loss[0];
            }
            using var scope = NewDisposeScope();
            var trial = theta.narrow(0, i, 1) - d.narrow(0, i, 1).Times(alpha);
            var (inputs, targets) = Gather(batch, i, 1);
            return _formula.PointLosses(trial, inputs, targets).sum().ToDouble() * batch.Scale;
        }

        private void EndEpoch(Tensor theta, int step, bool withParameters)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var full = new double[_k];
            if (_quadratic is { } quadratic) quadratic.Evaluate(theta).data<double>().CopyTo(full, 0);
            else FullLossesByChunk(theta, full);
            for (int i = 0; i < _k; i++) _rows[i].EndEpochIfDue(step, full[i], withParameters);
        }

        private void FullLossesByChunk(Tensor theta, double[] full)
        {
            int rows = RowsPerChunk(_n);
            for (int first = 0; first < _k; first += rows)
            {
                int count = Math.Min(rows, _k - first);
                using var chunk = NewDisposeScope();
                var (inputs, targets) = _sharedData ? (_formula.Inputs, _formula.Targets) : EveryRowsData() is var (x, y) ? (x.narrow(0, first, count), y.narrow(0, first, count)) : default;
                _formula.PointLosses(theta.narrow(0, first, count), inputs, targets).mean([1]).data<double>().CopyTo(full, first);
            }
        }

        // Each row's whole data set, (K, N, F) and (K, N), gathered once: full-data losses and full batches read it.
        private (Tensor Inputs, Tensor Targets) EveryRowsData()
        {
            if (_everyRow is null)
            {
                using var scope = NewDisposeScope();
                var all = tensor(_offsets).unsqueeze(1).Plus(arange(_n, ScalarType.Int64).unsqueeze(0)).flatten();
                _everyRow = (_inputs.index_select(0, all).view(_k, _n, _features).DetachFromDisposeScope(),
                    _targets.index_select(0, all).view(_k, _n).DetachFromDisposeScope());
            }
            return _everyRow.Value;
        }

        public void Dispose()
        {
            try { _drawing?.Wait(); } catch (AggregateException) { }   // its exception, if any, was not ours to report
            foreach (var (direction, index) in _directions) { direction.Dispose(); index.Dispose(); }
            foreach (var row in _rows) row.Direction.Dispose();
            if (!_sharedData) { _inputs.Dispose(); _targets.Dispose(); _quadratic?.Dispose(); }
            if (_everyRow is var (inputs, targets)) { inputs.Dispose(); targets.Dispose(); }
            _epochInputs?.Dispose();
            _epochTargets?.Dispose();
            _stepLosses?.Dispose();
            _orderOfRow?.Dispose();
            _stepGradient?.Dispose();
        }
    }

    /// <summary>The points of one data set in one seed's order: rows that share both (in a grid, every optimizer's seed i
    /// on the same data draw) share it, so their epoch is gathered once, into block <paramref name="slot"/>.</summary>
    private sealed class EpochOrder(EpochShuffle shuffle, long dataOffset, int slot, Row[] members)
    {
        /// <summary>The permutation of the current epoch.</summary>
        public int[] Current => shuffle.Current;

        /// <summary>The data set's first point in the stacked data.</summary>
        public long DataOffset => dataOffset;

        /// <summary>The order's block in the epoch tensors.</summary>
        public int Slot => slot;

        /// <summary>Some row of this order is still running.</summary>
        public bool Active => members.Any(m => m.Active);
    }

    /// <summary>The permutations one seed's schedule visits its points in, epoch by epoch. A permutation depends on the seed
    /// and the number of points only, so every row of the seed shares it whatever its data set (in 1b's grid, the three
    /// noise levels' draws of seed i): it is drawn once.</summary>
    private sealed class EpochShuffle(BatchSchedule schedule, Row[] members)
    {
        private int[] _current = [], _ahead = [];
        private bool _hasAhead;

        /// <summary>The seed of the members' mini-batch order.</summary>
        public int Seed => members[0].Seed;

        /// <summary>The permutation of the current epoch.</summary>
        public int[] Current => _current;

        /// <summary>Draws the next epoch's permutation into a buffer of its own (on another thread, while the current one
        /// is read). Once every member has stopped it draws no more: their gathered batches are not read.</summary>
        public void DrawAhead()
        {
            if (_current.Length > 0 && !members.Any(m => m.Active)) return;
            var next = schedule.NextEpoch();
            if (_ahead.Length != next.Length) _ahead = new int[next.Length];
            next.CopyTo(_ahead, 0);
            _hasAhead = true;
        }

        /// <summary>Makes the permutation drawn ahead the current one (drawing it now if it was not).</summary>
        public void StartEpoch()
        {
            if (!_hasAhead) DrawAhead();
            if (!_hasAhead) return;
            (_current, _ahead, _hasAhead) = (_ahead, _current, false);
        }
    }

    /// <summary>One run's bookkeeping: its schedule, step rule, records and end state.</summary>
    private sealed class Row
    {
        private readonly BatchRun _run;
        private readonly StepStats _stats = new();
        private int _steps;
        private string? _message;
        private RunStatus _status = RunStatus.Completed;

        public Row(BatchRun run)
        {
            _run = run;
            var request = run.Request;
            Schedule = new BatchSchedule(request.Seed, run.Problem.Count, request.BatchSize);
            Total = Schedule.BatchesPerEpoch * request.Epochs;
            var options = request.OptimizerOptions ?? new();
            Rule = OptimizerCatalog.CreateStepRule(request.Optimizer, options);
            Direction = OptimizerCatalog.CreateDirection(request.Optimizer, options);
            Last = Trainer.StartOf(run.Problem, request);
            (_scalars, _batchesPerEpoch) = (run.Sink as IStepScalarSink, Schedule.BatchesPerEpoch);
            (NeedsTrialLoss, IsGradient) = (Rule.NeedsTrialLoss, Direction.IsGradient);
        }

        // Asked once: each is an interface call, and the step loop asked both of every row at every step.
        public bool NeedsTrialLoss { get; }
        public bool IsGradient { get; }

        // Decided once, not at every step: the sink that takes bare scalars (an ensemble's traces), and the epoch's length.
        private readonly IStepScalarSink? _scalars;
        private readonly int _batchesPerEpoch;
        private int _inEpoch;                               // steps recorded in the current epoch

        public IRunSink? Sink => _run.Sink;
        public BatchSchedule Schedule { get; }
        public IStepRule Rule { get; }
        /// <summary>This row's direction: its kind and settings pick the shared instance that computes it.</summary>
        public IDirection Direction { get; }
        public int Total { get; }
        /// <summary>θ after the last finite step (updated in place; copied where it leaves the row).</summary>
        public double[] Last { get; }
        public bool Active { get; private set; } = true;
        /// <summary>The step's record, set by the group before <see cref="Record"/> (a field: Record reads it in place).</summary>
        public StepRecord Pending;

        /// <summary>The order this row visits its points in (shared with the rows of the same data and seed).</summary>
        public EpochOrder Order { get; set; } = null!;

        /// <summary>The seed of the row's mini-batch order.</summary>
        public int Seed => _run.Request.Seed;

        /// <summary>Records step s; true when it ends an epoch.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool Record(int step, ReadOnlySpan<double> parameters, bool withParameters, double seconds)
        {
            ref readonly var r = ref Pending;
            _steps = step + 1;
            if (_scalars is { } scalars) scalars.OnStep(r.Loss, r.StepSize);
            else Sink?.OnBatch(new BatchRecord(_steps, Epoch, r.Loss, r.StepSize, r.GradNormSq, r.EffectiveStep, r.Evaluations,
                withParameters ? parameters.ToArray() : null) { Seconds = seconds });
            bool finite = true;
            foreach (var v in parameters) finite &= double.IsFinite(v);
            if (Divergence.IsDiverged(r.Loss) || !finite)
            {
                Stop(RunStatus.Diverged, $"Diverged at step {_steps} (epoch {Epoch}): loss {r.Loss:G4}.");
                return false;
            }
            _stats.Add(r.StepSize);
            var last = Last;
            for (int f = 0; f < last.Length && f < parameters.Length; f++) last[f] = parameters[f];     // a few values: no memmove call
            if (_steps == Total) Active = false;
            if (++_inEpoch < _batchesPerEpoch) return false;
            _inEpoch = 0;
            return true;
        }

        // The epoch of the last recorded step (1-based).
        private int Epoch => (_steps - 1) / _batchesPerEpoch + 1;

        public void EndEpochIfDue(int step, double fullLoss, bool withParameters)
        {
            if (Sink is null || _steps != step || _status != RunStatus.Completed || _steps % Schedule.BatchesPerEpoch != 0) return;
            Sink.OnEpoch(new EpochRecord(_steps / Schedule.BatchesPerEpoch, fullLoss, withParameters ? Last.ToArray() : null));
        }

        public void Stop(RunStatus status, string message) => (_status, _message, Active) = (status, message, false);

        public RunSummary Summary(double finalLoss, double seconds) =>
            Trainer.Summarize(_run.Problem, _run.Request, _status, _message, _steps, Total, Last, finalLoss, _stats, seconds);
    }
}

