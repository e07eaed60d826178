using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using PolyakCore.Problems;
using PolyakCore.Shared;

namespace PolyakCore.Training;

/// <summary>Which randomness differs between the seeds of an ensemble.</summary>
public enum SeedVariation
{
    /// <summary>The run seed and the data seed both advance: another data draw and another mini-batch order.</summary>
    Both,
    /// <summary>Only the run seed: the mini-batch order (and the initial parameters where they are random); one data set.</summary>
    Order,
    /// <summary>Only the data seed: another draw of the data (its noise), the same mini-batch order.</summary>
    Data,
}

/// <summary>How many seeds of each configuration to run, and which randomness they vary.</summary>
/// <param name="Seeds">Runs per configuration; seed i adds i to the configuration's seed(s).</param>
public sealed record EnsembleSpec(int Seeds = 20, SeedVariation Vary = SeedVariation.Both)
{
    public const int MaxSeeds = 1000;

    /// <summary>Seed <paramref name="i"/>'s request of a configuration.</summary>
    public RunRequest SeedOf(RunRequest configuration, int i)
    {
        var problem = configuration.ProblemOptions ?? new ProblemOptions();
        return configuration with
        {
            Seed = Vary == SeedVariation.Data ? configuration.Seed : configuration.Seed + i,
            ProblemOptions = Vary == SeedVariation.Order ? problem : problem with { DataSeed = problem.DataSeed + i },
        };
    }
}

/// <summary>The 10 %, 50 % and 90 % quantiles of a quantity over seeds.</summary>
public readonly record struct Spread(double P10, double Median, double P90)
{
    /// <summary>Quantiles by linear interpolation between order statistics (numpy's default); +∞ sorts last.</summary>
    public static Spread Of(ReadOnlySpan<double> values) => OfInPlace(values.ToArray());

    /// <summary>As <see cref="Of"/>, sorting <paramref name="values"/> in place (no copy: a column of a curve).</summary>
    internal static Spread OfInPlace(Span<double> values)
    {
        if (values.Length == 0) return new(double.NaN, double.NaN, double.NaN);
        if (!SortByRanks(values))
        {
            if (values.Length <= SmallSort) InsertionSort(values);
            else values.Sort();
        }
        return new(Quantile(values, 0.1), Quantile(values, 0.5), Quantile(values, 0.9));
    }

    // An ensemble sorts a column of seeds for every step of every configuration (100,000 columns of 20 for a 1b grid):
    // insertion sort does up to a few dozen values in half the time of Span.Sort's introsort (same order: CompareTo puts
    // NaN first).
    private const int SmallSort = 32;

    // Up to 64 values without NaN: each value's place is the number of values below it (and of equal ones before it),
    // counted four at a time with vector compares, and the values are written to their places. No branch depends on the
    // data, where insertion sort's mispredicted branches (random order: every other one) made a column of 20 cost
    // ~350 ns; this takes ~140 (`bench/PolyakBench -- quantiles`). False (nothing changed) where it does not apply.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool SortByRanks(Span<double> values)
    {
        int n = values.Length;
        if (n > MaxRanked || !Vector256.IsHardwareAccelerated) return false;
        foreach (double v in values) if (double.IsNaN(v)) return false;
        int blocks = (n + 3) / 4;
        Span<double> padded = stackalloc double[MaxRanked];
        values.CopyTo(padded);
        padded[n..(blocks * 4)].Fill(double.PositiveInfinity);        // never below a value; past every value's index
        Span<double> sorted = stackalloc double[MaxRanked];
        ref double first = ref MemoryMarshal.GetReference(padded);
        for (int i = 0; i < n; i++)
        {
            double value = padded[i];
            var at = Vector256.Create(value);
            int rank = 0, own = i / 4;
            // Blocks before i's count the values at most it, blocks after the values below it, and i's own block the values
            // below it and the equal ones at lower indices: so equal values take consecutive places.
            for (int b = 0; b < own; b++)
                rank += BitOperations.PopCount(Vector256.LessThanOrEqual(Vector256.LoadUnsafe(ref first, (nuint)(4 * b)), at).ExtractMostSignificantBits());
            var block = Vector256.LoadUnsafe(ref first, (nuint)(4 * own));
            uint before = (1u << (i - 4 * own)) - 1;
            rank += BitOperations.PopCount(Vector256.LessThan(block, at).ExtractMostSignificantBits())
                + BitOperations.PopCount(Vector256.Equals(block, at).ExtractMostSignificantBits() & before);
            for (int b = own + 1; b < blocks; b++)
                rank += BitOperations.PopCount(Vector256.LessThan(Vector256.LoadUnsafe(ref first, (nuint)(4 * b)), at).ExtractMostSignificantBits());
            Unsafe.Add(ref MemoryMarshal.GetReference(sorted), rank) = value;     // rank < n: it counts other values only
        }
        sorted[..n].CopyTo(values);
        return true;
    }

    private const int MaxRanked = 64;

    private static void InsertionSort(Span<double> values)
    {
        for (int i = 1; i < values.Length; i++)
        {
            double v = values[i];
            int j = i - 1;
            for (; j >= 0 && values[j].CompareTo(v) > 0; j--) values[j + 1] = values[j];
            values[j + 1] = v;
        }
    }

    public static double Quantile(double[] sorted, double q) => Quantile(sorted.AsSpan(), q);

    private static double Quantile(ReadOnlySpan<double> sorted, double q)
    {
        var (at, lo, hi) = Places(q, sorted.Length);
        return Between(sorted[lo], sorted[hi], at, lo, hi);
    }

    /// <summary>Where quantile q of n sorted values lies: between places lo and hi, at fractional place at.</summary>
    internal static (double At, int Lo, int Hi) Places(double q, int n)
    {
        double at = q * (n - 1);
        int lo = (int)Math.Floor(at);
        return (at, lo, Math.Min(lo + 1, n - 1));
    }

    /// <summary>The quantile from the values a and b at places lo and hi.</summary>
    internal static double Between(double a, double b, double at, int lo, int hi)
    {
        if (lo == hi || a == b || at == lo) return a;
        return double.IsInfinity(b) ? b : a + (at - lo) * (b - a);
    }
}

/// <summary>A quantity per step (or epoch) over seeds: index t holds the quantiles at step t + 1 (epoch t).</summary>
public sealed record SpreadSeries(double[] P10, double[] Median, double[] P90)
{
    public int Length => Median.Length;

    /// <summary>At most <paramref name="maxPoints"/> points for a chart: per bucket of indices the band's envelope (lowest
    /// 10 %, highest 90 % quantile, so spikes stay) and the median at the bucket's middle; x = index + <paramref name="firstX"/>.
    /// Infinite or NaN values are left out of the envelope (NaN where a bucket has none).</summary>
    /// <param name="length">Only the first indices (those computed so far); default: all.</param>
    public (double[] X, double[] P10, double[] Median, double[] P90) Decimate(int maxPoints, int firstX = 1, int? length = null)
    {
        int n = Math.Min(length ?? Length, Length);
        if (n == 0) return ([], [], [], []);
        int buckets = Math.Max(1, Math.Min(n, maxPoints));
        var (x, lo, mid, hi) = (new double[buckets], new double[buckets], new double[buckets], new double[buckets]);
        for (int b = 0; b < buckets; b++)
        {
            int from = (int)((long)b * n / buckets), to = (int)((long)(b + 1) * n / buckets);
            double min = double.PositiveInfinity, max = double.NegativeInfinity;
            for (int t = from; t < to; t++)
            {
                if (double.IsFinite(P10[t])) min = Math.Min(min, P10[t]);
                if (double.IsFinite(P90[t])) max = Math.Max(max, P90[t]);
            }
            int middle = (from + to - 1) / 2;
            (x[b], lo[b], mid[b], hi[b]) = (middle + firstX, double.IsFinite(min) ? min : double.NaN,
                double.IsFinite(Median[middle]) ? Median[middle] : double.NaN, double.IsFinite(max) ? max : double.NaN);
        }
        return (x, lo, mid, hi);
    }

    /// <summary>Per index up to <paramref name="length"/> (the planned steps or epochs), the quantiles over the seeds'
    /// values; a seed that stopped early counts as <paramref name="afterEnd"/> past its end (+∞ for a diverged run's
    /// loss; NaN leaves it out).</summary>
    public static SpreadSeries Of(IReadOnlyList<IReadOnlyList<double>> seeds, Func<int, double> afterEnd, int length)
    {
        var series = Empty(length);
        series.Fill(seeds, afterEnd, 0, length);
        return series;
    }

    /// <summary>A series of <paramref name="length"/> indices, all NaN (not computed yet).</summary>
    public static SpreadSeries Empty(int length)
    {
        var (p10, median, p90) = (new double[length], new double[length], new double[length]);
        Array.Fill(p10, double.NaN);
        Array.Fill(median, double.NaN);
        Array.Fill(p90, double.NaN);
        return new(p10, median, p90);
    }

    /// <summary>Computes indices <paramref name="from"/> to <paramref name="to"/> (exclusive) as <see cref="Of"/> does.</summary>
    internal void Fill(IReadOnlyList<IReadOnlyList<double>> seeds, Func<int, double> afterEnd, int from, int to) =>
        Fill(seeds.Select(s => s is ArraySegment<double> segment ? segment : new ArraySegment<double>([.. s])).ToArray(), afterEnd, from, to);

    // Over array segments: a column reads one value of each seed, and through IReadOnlyList each read was an interface call.
    // Where every seed has a value, four columns at a time (ColumnQuantiles); columns past a seed's end, or with a NaN,
    // one at a time.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Fill(ArraySegment<double>[] seeds, Func<int, double> afterEnd, int from, int to)
    {
        int n = seeds.Length, longest = 0;
        var after = new double[n];                      // each seed's value past its end, asked once, not once a column
        for (int i = 0; i < n; i++) (longest, after[i]) = (Math.Max(longest, seeds[i].Count), afterEnd(i));
        Span<double> column = n <= 256 ? stackalloc double[n] : new double[n];
        int shortest = n == 0 ? 0 : seeds.Min(s => s.Count);        // columns below it have a value of every seed
        var network = ColumnQuantiles.Applies(n) ? ColumnQuantiles.Network(n) : null;
        Span<Vector256<double>> work = network is null ? default : stackalloc Vector256<double>[n];
        for (int t = from; t < to; t++)
        {
            if (network is not null && t + 4 <= Math.Min(to, shortest) && ColumnQuantiles.FillFour(seeds, t, network, work, this))
            {
                t += 3;
                continue;
            }
            if (t > longest && t > from)
            {
                // Past every seed's end each column is the same (every seed at its afterEnd): copy the one before.
                (P10[t], Median[t], P90[t]) = (P10[t - 1], Median[t - 1], P90[t - 1]);
                continue;
            }
            int count = 0;
            for (int i = 0; i < n; i++)
            {
                var seed = seeds[i];
                double v = t < seed.Count ? seed.Array![seed.Offset + t] : after[i];
                if (!double.IsNaN(v)) column[count++] = v;
            }
            var spread = Spread.OfInPlace(column[..count]);
            (P10[t], Median[t], P90[t]) = (spread.P10, spread.Median, spread.P90);
        }
    }
}

/// <summary>One configuration's seeds: every run's summary and the quantile curves of its records.</summary>
public sealed record ConfigurationEnsemble
{
    /// <summary>The configuration (its first seed's request is <c>Spec.SeedOf(Request, 0)</c>).</summary>
    public required RunRequest Request { get; init; }
    public required IReadOnlyList<RunSummary> Runs { get; init; }
    /// <summary>Mini-batch loss per step; a diverged seed counts as +∞ after its last step.</summary>
    public required SpreadSeries Loss { get; init; }
    /// <summary>Step size per step, over the seeds still running.</summary>
    public required SpreadSeries StepSize { get; init; }
    /// <summary>Full-data loss per epoch (index 0 = the start); a diverged seed counts as +∞ after it stopped.</summary>
    public required SpreadSeries EpochLoss { get; init; }

    public int Seeds => Runs.Count;
    public int Diverged => Runs.Count(r => r.Status == RunStatus.Diverged);
    /// <summary>Final full-data loss (+∞ for a diverged seed).</summary>
    public Spread FinalLoss => Spread.Of([.. Runs.Select(r => r.Status == RunStatus.Diverged ? double.PositiveInfinity : r.FinalLoss)]);
    /// <summary>Final loss over each seed's own least-squares floor (its data draw's), where the problem has a floor above
    /// rounding (noise-free data interpolates: its floor is ~1e-30 and a ratio to it means nothing).</summary>
    public Spread? FloorRatio => HasFloor
        ? Spread.Of([.. Runs.Select(r => r.Status == RunStatus.Diverged ? double.PositiveInfinity : r.FinalLoss / r.OptimalLoss!.Value)])
        : null;
    /// <summary>True when every seed's problem has a least-squares floor above rounding (1e-12).</summary>
    public bool HasFloor => Runs.Count > 0 && Runs.All(r => r.OptimalLoss is > 1e-12);

    /// <summary>Distance of the final parameters to each seed's optimum, where the problem has one.</summary>
    public Spread? Distance => Runs.All(r => r.Optimum is not null)
        ? Spread.Of([.. Runs.Select(r => r.Status == RunStatus.Diverged ? double.PositiveInfinity
            : Math.Sqrt(r.Parameters.Zip(r.Optimum!, (a, b) => (a - b) * (a - b)).Sum()))])
        : null;
    /// <summary>How many seeds end where (two-well: "local", "global", "elsewhere", "diverged"); null for other problems.</summary>
    public IReadOnlyDictionary<string, int>? Wells { get; init; }

    /// <summary>Seeds whose final loss over their floor is above <paramref name="ratio"/> (diverged ones included).</summary>
    public int CountAboveFloor(double ratio) => Runs.Count(r => r.Status == RunStatus.Diverged || r.FinalLoss > ratio * r.OptimalLoss!.Value);

    public int CountInWell(string well) => Wells is { } w && w.TryGetValue(well, out int n) ? n : 0;
}

/// <summary>An ensemble: many seeds of each configuration, summarised.</summary>
public sealed record EnsembleResult(EnsembleSpec Spec, IReadOnlyList<ConfigurationEnsemble> Configurations, double Seconds);

/// <summary>How far an ensemble has got, reported while it computes: per configuration, its quantile curves so far.</summary>
/// <param name="Done">The last report: the computation has ended and the curves are the result's own.</param>
public sealed record EnsembleProgress(IReadOnlyList<ConfigurationProgress> Configurations, double Seconds, bool Done)
{
    /// <summary>Step columns computed, over all configurations.</summary>
    public long Steps => Configurations.Sum(c => (long)c.Steps);
    public long TotalSteps => Configurations.Sum(c => (long)c.TotalSteps);
    /// <summary>0 to 1: the share of the configurations' steps computed (1 once done).</summary>
    public double Fraction => Done || TotalSteps == 0 ? 1 : (double)Steps / TotalSteps;
}

/// <summary>One configuration's quantile curves as far as its seeds have got.</summary>
/// <param name="Steps">Indices of <paramref name="Loss"/> and <paramref name="StepSize"/> that are final (steps 1 to Steps).</param>
/// <param name="Epochs">Indices of <paramref name="EpochLoss"/> that are final (epoch 0 to Epochs − 1).</param>
/// <remarks>The curves are the arrays the result will hold, filled in as the computation advances: read only the indices
/// below <paramref name="Steps"/> (<paramref name="Epochs"/>); the others are NaN or being written.</remarks>
public sealed record ConfigurationProgress(RunRequest Request, int Steps, int TotalSteps, int Epochs, int TotalEpochs,
    SpreadSeries Loss, SpreadSeries StepSize, SpreadSeries EpochLoss);

/// <summary>Runs many seeds of many configurations of the small problems as one batched computation.</summary>
public static class Ensemble
{
    /// <summary>Progress is reported at most this often (and once at the end).</summary>
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(100);

    /// <param name="sinks">Optional per-run sinks (configuration index, seed index), e.g. the CLI's files.</param>
    /// <param name="progress">Optional: called on the computing thread with the quantile curves so far, at most every
    /// <see cref="ProgressInterval"/> and once at the end (<see cref="EnsembleProgress.Done"/>). Be quick.</param>
    public static EnsembleResult Run(IReadOnlyList<RunRequest> configurations, EnsembleSpec spec,
        Func<int, int, IRunSink?>? sinks = null, CancellationToken cancel = default, Action<EnsembleProgress>? progress = null)
    {
        if (spec.Seeds < 1 || spec.Seeds > EnsembleSpec.MaxSeeds)
            throw new RunValidationException([new FieldError("seeds", $"Seeds must be 1 to {EnsembleSpec.MaxSeeds}.")]);
        var clock = Stopwatch.StartNew();
        var problems = new Dictionary<string, SmallProblem>();
        ColumnStorage? storage = null;
        try
        {
            var curves = new Curves[configurations.Count];
            var reporter = progress is null ? null : new Reporter(progress, curves, clock);
            var runs = new List<BatchRun>();
            var seeds = new (RunRequest Request, SmallProblem Problem)[configurations.Count * spec.Seeds];
            long values = 0;
            for (int c = 0; c < configurations.Count; c++)
            {
                for (int i = 0; i < spec.Seeds; i++)
                {
                    var request = spec.SeedOf(configurations[c], i);
                    RunValidation.EnsureValid(request);
                    var problem = ProblemFor(request, problems);
                    if (i == 0) curves[c] = new Curves(configurations[c], new Trace[spec.Seeds], StepsOf(request, problem));
                    seeds[c * spec.Seeds + i] = (request, problem);
                }
                values += spec.Seeds * (2L * curves[c].TotalSteps + curves[c].TotalEpochs);
            }
            storage = new ColumnStorage(values);
            for (int k = 0; k < seeds.Length; k++)
            {
                var (request, problem) = seeds[k];
                int c = k / spec.Seeds, i = k % spec.Seeds;
                var trace = curves[c].Traces[i] = new Trace(curves[c].TotalSteps, curves[c].TotalEpochs, reporter, storage);
                var extra = sinks?.Invoke(c, i);
                runs.Add(new BatchRun(request, problem, extra is null ? trace : new TeeSink(trace, extra)));
            }
            var summaries = TrajectoryBatch.Run(runs, new BatchRecording(EpochLosses: true, StepParameters: sinks is not null), cancel);
            var result = new ConfigurationEnsemble[configurations.Count];
            // The quantile columns not yet computed (all of them when nobody watched the progress).
            // Configurations are independent: their columns are computed side by side (a 20-seed 1b grid's are 50,000 sorts).
            Parallel.For(0, configurations.Count, c =>
            {
                int first = c * spec.Seeds;
                curves[c].Complete(i => summaries[first + i].Status == RunStatus.Diverged ? double.PositiveInfinity : double.NaN);
            });
            for (int c = 0; c < configurations.Count; c++)
            {
                var range = Enumerable.Range(c * spec.Seeds, spec.Seeds).ToArray();
                var seedRuns = range.Select(k => summaries[k]).ToArray();
                result[c] = new ConfigurationEnsemble
                {
                    Request = configurations[c],
                    Runs = seedRuns,
                    Loss = curves[c].Loss,
                    StepSize = curves[c].StepSize,
                    EpochLoss = curves[c].EpochLoss,
                    Wells = configurations[c].Problem == ProblemCatalog.TwoWell
                        ? Wells(seedRuns, range.Select(k => (TwoWellProblem)runs[k].Problem).ToArray()) : null,
                };
            }
            var ensemble = new EnsembleResult(spec, result, clock.Elapsed.TotalSeconds);
            progress?.Invoke(new EnsembleProgress([.. curves.Select(c => c.Snapshot())], ensemble.Seconds, Done: true));
            return ensemble;
        }
        finally
        {
            foreach (var problem in problems.Values) problem.Dispose();
            storage?.Dispose();                 // after the last report: nothing reads a seed's values past here
            NativeMemory.ReleaseFreePages();
        }
    }

    // The steps a run of this request plans (every seed of a configuration plans the same); 0 when its batch does not
    // fit the data, which the engine refuses by name.
    private static int StepsOf(RunRequest request, SmallProblem problem) =>
        request.BatchSize >= 1 && request.BatchSize <= problem.Count
            ? new BatchSchedule(request.Seed, problem.Count, request.BatchSize).BatchesPerEpoch * request.Epochs : 0;

    // Seeds that draw the same data share one problem instance (and so one data set in the batched engine).
    private static SmallProblem ProblemFor(RunRequest request, Dictionary<string, SmallProblem> problems)
    {
        var options = (request.ProblemOptions ?? new ProblemOptions()) with { Start = null };
        string key = request.Problem + System.Text.Json.JsonSerializer.Serialize(options);
        if (!problems.TryGetValue(key, out var problem))
            problems[key] = problem = ProblemCatalog.Create(request.Problem, options);
        return problem;
    }

    private static Dictionary<string, int> Wells(RunSummary[] runs, TwoWellProblem[] problems)
    {
        var counts = new Dictionary<string, int> { ["local"] = 0, ["global"] = 0, ["elsewhere"] = 0, ["diverged"] = 0 };
        for (int i = 0; i < runs.Length; i++)
            counts[runs[i].Status == RunStatus.Diverged ? "diverged" : problems[i].WellOf(runs[i].Parameters)]++;
        return counts;
    }

    /// <summary>One configuration's quantile curves, computed column by column as its seeds' records arrive.</summary>
    /// <remarks>Seeds advance at their own pace (the engine may run a configuration's seeds in parts, on several threads),
    /// so a column is final once every seed still running has recorded it. A seed whose last loss diverged has stopped
    /// (the engine stops a run on such a loss): after its end it counts as +∞ (loss) and not at all (step size), as in
    /// the result. A seed stopped otherwise (non-finite parameters, a cancel) holds the columns back until the end,
    /// when every seed's status is known. When every seed has diverged, the configuration has ended.</remarks>
    private sealed class Curves(RunRequest request, Trace[] traces, int totalSteps)
    {
        public RunRequest Request { get; } = request;
        /// <summary>Each seed's trace (set up after every configuration's problems: null until then).</summary>
        public Trace[] Traces => traces;
        public int TotalSteps { get; } = totalSteps;
        public int TotalEpochs { get; } = request.Epochs + 1;
        public SpreadSeries Loss { get; } = SpreadSeries.Empty(totalSteps);
        public SpreadSeries StepSize { get; } = SpreadSeries.Empty(totalSteps);
        public SpreadSeries EpochLoss { get; } = SpreadSeries.Empty(request.Epochs + 1);
        private int _steps, _epochs;

        /// <summary>Computes the columns every running seed has recorded (any thread; one at a time).</summary>
        public void Advance()
        {
            int steps = int.MaxValue, epochs = int.MaxValue;
            foreach (var t in traces)
            {
                if (t is null) return;                    // still being set up
                if (t.Diverged) continue;
                steps = Math.Min(steps, t.Losses.Count);
                epochs = Math.Min(epochs, t.EpochLosses.Count);
            }
            if (steps == int.MaxValue) (steps, epochs) = (TotalSteps, TotalEpochs);      // every seed diverged: ended
            Extend(Math.Min(steps, TotalSteps), Math.Min(epochs, TotalEpochs), _ => double.PositiveInfinity);
        }

        /// <summary>Computes every remaining column, with each seed's own end (its status is known now).</summary>
        public void Complete(Func<int, double> afterEnd) => Extend(TotalSteps, TotalEpochs, afterEnd);

        private void Extend(int steps, int epochs, Func<int, double> lossAfterEnd)
        {
            if (steps > _steps)
            {
                Loss.Fill(traces.Select(t => t.Losses.Snapshot()).ToArray(), lossAfterEnd, _steps, steps);
                StepSize.Fill(traces.Select(t => t.StepSizes.Snapshot()).ToArray(), _ => double.NaN, _steps, steps);
                _steps = steps;
            }
            if (epochs > _epochs)
            {
                EpochLoss.Fill(traces.Select(t => t.EpochLosses.Snapshot()).ToArray(), lossAfterEnd, _epochs, epochs);
                _epochs = epochs;
            }
        }

        public ConfigurationProgress Snapshot() => new(Request, _steps, TotalSteps, _epochs, TotalEpochs, Loss, StepSize, EpochLoss);
    }

    /// <summary>Reports progress from the computing threads: every so many records one of them looks at the clock, and
    /// at most every <see cref="ProgressInterval"/> brings the curves up to date and hands them over (one at a time).</summary>
    private sealed class Reporter(Action<EnsembleProgress> report, Curves[] curves, Stopwatch clock)
    {
        /// <summary>Each seed calls <see cref="Look"/> after this many records of its own (a clock read per record, or a
        /// counter shared by the computing threads, would cost more than the bookkeeping).</summary>
        public const int RecordsBetweenLooks = 256;
        private readonly Lock _gate = new();
        private long _last;

        public void Look()
        {
            var now = clock.Elapsed;
            if (now.Ticks - Volatile.Read(ref _last) < ProgressInterval.Ticks || !_gate.TryEnter()) return;
            try
            {
                if (now.Ticks - _last < ProgressInterval.Ticks) return;
                Volatile.Write(ref _last, now.Ticks);
                foreach (var c in curves) c?.Advance();
                report(new EnsembleProgress([.. curves.Where(c => c is not null).Select(c => c.Snapshot())], now.TotalSeconds, Done: false));
            }
            finally { _gate.Exit(); }
        }
    }

    /// <summary>A seed's losses and step sizes, kept compact (no per-step objects), readable while it records.</summary>
    private sealed class Trace(int steps, int epochs, Reporter? reporter, ColumnStorage storage) : IStepScalarSink
    {
        private volatile bool _diverged;
        private int _sinceLook;
        public Column Losses { get; } = storage.Column(steps);
        public Column StepSizes { get; } = storage.Column(steps);
        public Column EpochLosses { get; } = storage.Column(epochs);
        /// <summary>The last loss diverged: the engine has stopped this seed.</summary>
        public bool Diverged => _diverged;

        public void OnBatch(BatchRecord record) => OnStep(record.Loss, record.StepSize);

        public void OnStep(double loss, double stepSize)
        {
            StepSizes.Add(stepSize);
            Losses.Add(loss);
            if (Divergence.IsDiverged(loss)) _diverged = true;     // after the loss: a reader that sees it sees the loss
            if (reporter is not null && ++_sinceLook == Reporter.RecordsBetweenLooks) { _sinceLook = 0; reporter.Look(); }
        }

        public void OnEpoch(EpochRecord record) => EpochLosses.Add(record.Loss);
    }

    /// <summary>Every column of an ensemble in one array, cut into each column's planned length, borrowed from the
    /// shared array pool for the computation and given back at its end.</summary>
    /// <remarks>A 20-seed 1b grid records 2 million values (16 MB) in 1,440 columns. An array each cost ~5 µs to
    /// allocate (8 ms of the grid's set-up, before any run starts) and fresh memory whose pages the kernel faulted in
    /// and zeroed on first write; the pool hands the next ensemble the same, already resident, array. (Not pinned: an
    /// array this large lives on the large-object heap, which collections do not move.)</remarks>
    private sealed class ColumnStorage : IDisposable
    {
        private double[]? _values;
        private int _used;

        public ColumnStorage(long values) =>
            _values = values is > 0 and <= 1 << 30 ? ArrayPool<double>.Shared.Rent((int)values) : null;   // larger: a column each

        public Column Column(int capacity)
        {
            capacity = Math.Max(1, capacity);
            if (_values is null || _used + capacity > _values.Length)
                return new Column(new Block(GC.AllocateUninitializedArray<double>(capacity), 0, capacity));
            var column = new Column(new Block(_values, _used, capacity));
            _used += capacity;
            return column;
        }

        public void Dispose()
        {
            if (_values is { } values) ArrayPool<double>.Shared.Return(values);
            _values = null;
        }
    }

    /// <summary>A column's place: <see cref="Capacity"/> values from <see cref="Offset"/> on in <see cref="Values"/>.</summary>
    private sealed record Block(double[] Values, int Offset, int Capacity);

    /// <summary>Values appended by one thread and read by others: a reader sees a count, then at least that many values.</summary>
    /// <remarks>Its place is planned (a run's steps are known); should a run record more, the column moves to an array of
    /// its own, published before the count that covers the copied values.</remarks>
    private sealed class Column(Block block)
    {
        private Block _block = block;
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Add(double value)
        {
            var block = _block;
            if (_count == block.Capacity)
            {
                var grown = new double[block.Capacity * 2];
                Array.Copy(block.Values, block.Offset, grown, 0, _count);
                Volatile.Write(ref _block, block = new Block(grown, 0, grown.Length));
            }
            block.Values[block.Offset + _count] = value;
            Volatile.Write(ref _count, _count + 1);
        }

        /// <summary>The values recorded so far (a view: later ones do not show in it).</summary>
        public ArraySegment<double> Snapshot()
        {
            int count = Volatile.Read(ref _count);
            var block = Volatile.Read(ref _block);
            return new ArraySegment<double>(block.Values, block.Offset, count);
        }
    }
}
