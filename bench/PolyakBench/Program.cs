using System.Diagnostics;
using PolyakBench;
using PolyakCore.Problems;
using PolyakCore.Training;

// Side-by-side timings, interleaved and repeated, reported as medians and ratios: the machines are noisy.
NativeMemory.KeepBlocksForReuse();
if (Environment.GetEnvironmentVariable("BENCH_THREADS") is { } th) TorchSharp.torch.set_num_threads(int.Parse(th));
// Arguments: [case] [repeats]. Cases: "history" (the run store with a million records), "persist" (section 6
// alone); without a case every section runs.
string? only = args.FirstOrDefault(a => !int.TryParse(a, out _));
int repeats = args.FirstOrDefault(a => int.TryParse(a, out _)) is { } given ? int.Parse(given) : 7;
Console.WriteLine($"torch threads: {TorchSharp.torch.get_num_threads()}, repeats: {repeats}");

if (only == "history")
{
    var h = await HistoryBench.RunAsync(1_000_000, repeats);
    Console.WriteLine($"{h.Records:N0} records: insert {h.Insert:F0} ms ({1000 * h.Insert / h.Records:F1} µs/record, 50,000 a transaction; file {h.FileBytes / 1048576.0:F0} MB); " +
        $"load + decimate to {h.Points:N0} points {h.LoadDecimate:F0} ms (of which reading the chart columns {h.LoadOnly:F0} ms); " +
        $"HTTP GET /api/runs/compare end to end {h.Http:F0} ms ({h.HttpBytes / 1024.0:F0} KB)");
    return;
}
if (only == "persist")
{
    using var q = QuadraticProblem.Create();
    var p = await PersistBench.RunAsync(q, new RunRequest { Problem = "quadratic", Optimizer = "polyak-sgd", BatchSize = 1, Epochs = 30 }, repeats);
    Console.WriteLine(PersistLine(p));
    return;
}
if (only == "ensembles")
{
    EnsembleBench.Run(repeats);
    return;
}
if (only == "ensemble-ratio")
{
    EnsembleBench.Ratio(repeats);
    return;
}
if (only == "least-squares")
{
    // The batched engine's least-squares loop alone: 60 rows on 30 data blocks of 1,000 points, as a 20-seed 1b part.
    int blocks = 30, n = 1000, rows = 60;
    var rnd = new Random(1);
    var xs = new double[blocks * n * 2]; var ys = new double[blocks * n];
    for (int i = 0; i < xs.Length; i++) xs[i] = i % 2 == 1 ? 1 : rnd.NextDouble();
    for (int i = 0; i < ys.Length; i++) ys[i] = rnd.NextDouble();
    var theta = new double[rows * 2]; for (int i = 0; i < theta.Length; i++) theta[i] = rnd.NextDouble();
    var loss = new double[rows]; var grad = new double[rows * 2];
    // As the engine reads them: each of 10 seeds' rows (3 data draws × 2 optimizers, the two on one draw side by side)
    // through its seed's permutation of the epoch (random reads into its data blocks), then points in stored order.
    var orders = new int[10 * n]; var orderOffsets = new long[rows]; var permutedOffsets = new long[rows];
    for (int k = 0; k < rows; k++) (orderOffsets[k], permutedOffsets[k]) = ((k / 6) * n, ((k / 6) * 3 + k % 6 / 2) * n);
    foreach (int b in new[] { 16, 64, 256 })
        for (int rep = 0; rep < 5; rep++)
        {
            var sw = Stopwatch.StartNew(); long pts = 0;
            for (int step = 0; step < 200_000 / b; step++)
            {
                int begin = (step * b) % n; if (begin + b > n) begin = 0;
                if (begin == 0) { sw.Stop(); for (int o = 0; o < 10; o++) { var perm = orders.AsSpan(o * n, n); for (int i = 0; i < n; i++) perm[i] = i; rnd.Shuffle(perm); } sw.Start(); }
                var batch = new PolyakCore.Problems.StackedBatch(xs, ys, n, permutedOffsets, begin, b, 1.0 / b, orders, orderOffsets);
                PolyakCore.Problems.LeastSquaresBatch.Compute(theta, batch, loss, grad);
                pts += (long)rows * b;
            }
            if (rep > 1) Console.WriteLine($"least squares, batch {b}, permuted: {sw.Elapsed.TotalNanoseconds / pts:F2} ns a point");
        }
    foreach (int b in new[] { 16, 64, 1000 })
    {
        var offsets = new long[rows];
        for (int rep = 0; rep < 5; rep++)
        {
            var sw = Stopwatch.StartNew(); long pts = 0;
            for (int step = 0; step < 200_000 / b; step++)
            {
                int begin = (step * b) % n; if (begin + b > n) begin = 0;
                for (int k = 0; k < rows; k++) offsets[k] = (k / 2) * n;
                var batch = new PolyakCore.Problems.StackedBatch(xs, ys, n, offsets, begin, b, 1.0 / b);
                PolyakCore.Problems.LeastSquaresBatch.Compute(theta, batch, loss, grad);
                pts += (long)rows * b;
            }
            if (rep > 1) Console.WriteLine($"least squares, batch {b}: {sw.Elapsed.TotalNanoseconds / pts:F2} ns a point");   // the first two warm up (tiering)
        }
    }
    return;
}
if (only == "quantiles")
{
    // The ensemble's quantile columns alone: 100,000 columns of 20 seeds (a 20-seed 1b grid's loss and step-size curves).
    var rnd = new Random(1);
    var columns = new double[100_000 * 20];
    for (int i = 0; i < columns.Length; i++) columns[i] = Math.Exp(rnd.NextDouble() * 10);
    var work = new double[20];
    for (int rep = 0; rep < 7; rep++)
    {
        var sw = Stopwatch.StartNew(); double sum = 0;
        for (int c = 0; c < 100_000; c++)
        {
            columns.AsSpan(c * 20, 20).CopyTo(work);
            sum += PolyakCore.Training.Spread.OfInPlace(work).Median;
        }
        if (rep > 1) Console.WriteLine($"quantiles of 20: {sw.Elapsed.TotalNanoseconds / 100_000:F0} ns a column ({sum:G3})");
    }
    // As an ensemble computes them: 20 seeds' records of 100,000 steps each, a column per step (four at a time where
    // vectors apply, one at a time with BENCH_SCALAR=1 — the way a column with a NaN goes).
    var seeds = Enumerable.Range(0, 20).Select(i => new ArraySegment<double>(columns, i * 100_000, 100_000)).ToArray();
    var series = PolyakCore.Training.SpreadSeries.Empty(100_000);
    bool scalar = Environment.GetEnvironmentVariable("BENCH_SCALAR") == "1";
    for (int rep = 0; rep < 40; rep++)
    {
        var sw = Stopwatch.StartNew();
        if (scalar) for (int t = 0; t < 100_000; t++) series.Fill(seeds, _ => double.NaN, t, t + 1);
        else series.Fill(seeds, _ => double.NaN, 0, 100_000);
        if (rep > 36) Console.WriteLine($"a series of 20 seeds' records{(scalar ? ", column by column" : "")}: {sw.Elapsed.TotalNanoseconds / 100_000:F0} ns a column ({series.Median.Sum():G3})");
    }
    return;
}
if (only == "first-ensembles")
{
    // A fresh process's first ensembles (a server's first visit to a page): their code is still being compiled and tiered.
    var firstGrid = PolyakCore.Experiments.ExperimentCatalog.Get("1b").Runs;
    for (int i = 0; i < 8; i++)
    {
        var sw = Stopwatch.StartNew();
        Ensemble.Run(firstGrid, new EnsembleSpec(20));
        Console.WriteLine($"1b grid × 20 seeds, run {i + 1} of the process: {sw.Elapsed.TotalSeconds:F3} s");
    }
    return;
}
if (only is "ensemble-1" or "ensemble-20")
{
    EnsembleBench.Seeds(only == "ensemble-1" ? 1 : 20, repeats);
    return;
}
if (only is not null) { Console.Error.WriteLine($"Unknown case '{only}': use history, persist, ensembles, ensemble-ratio, ensemble-1, ensemble-20, first-ensembles, least-squares or quantiles (or none for all)."); return; }

// 1. 1a with polyak-sgd: TorchSharp trainer vs the same math on plain C# arrays.
using var quadratic = QuadraticProblem.Create();
var oneA = new RunRequest { Problem = "quadratic", Optimizer = "polyak-sgd", BatchSize = 32, Epochs = 50 };
int steps = 32 * oneA.Epochs;
var torchTimes = new List<double>(); var plainTimes = new List<double>();
double plainLoss = 0, torchLoss = 0;
for (int r = 0; r < repeats + 1; r++)
{
    var t = Stopwatch.StartNew(); torchLoss = Trainer.Run(quadratic, oneA).FinalLoss; t.Stop();
    var p = Stopwatch.StartNew(); plainLoss = PlainPolyak.Run(quadratic, oneA); p.Stop();
    if (r == 0) continue;   // warm-up
    torchTimes.Add(t.Elapsed.TotalMicroseconds / steps);
    plainTimes.Add(p.Elapsed.TotalMicroseconds / steps);
}
double torchStep = Median(torchTimes), plainStep = Median(plainTimes);
Console.WriteLine($"1a polyak-sgd, batch 32: TorchSharp {torchStep:F1} µs/step, plain C# {plainStep:F2} µs/step, ratio {torchStep / plainStep:F0}× (final losses {torchLoss:G3} / {plainLoss:G3})");

// 2. 16 two-well trajectories (4 optimizers × batch 2/5/10/25, 50 epochs): one batched computation vs 16 runs.
using var twoWell = TwoWellProblem.Create();
RunRequest[] grid = [.. from o in new[] { "sgd", "polyak-sgd", "adam", "polyak-adam" }
                        from b in new[] { 2, 5, 10, 25 }
                        select new RunRequest { Problem = "two-well", Optimizer = o, BatchSize = b, Epochs = 50,
                            OptimizerOptions = o is "sgd" ? new() { Lr = 0.05 } : o is "adam" ? new() { Lr = 0.1 } : new() }];
var batchedTimes = new List<double>(); var singleTimes = new List<double>();
for (int r = 0; r < repeats + 1; r++)
{
    var b = Stopwatch.StartNew(); TrajectoryBatch.Run(twoWell, grid); b.Stop();
    var s = Stopwatch.StartNew(); foreach (var request in grid) Trainer.Run(twoWell, request); s.Stop();
    if (r == 0) continue;
    batchedTimes.Add(b.Elapsed.TotalMilliseconds);
    singleTimes.Add(s.Elapsed.TotalMilliseconds);
}
Console.WriteLine($"16 two-well trajectories × 50 epochs: batched {Median(batchedTimes):F1} ms, one run at a time {Median(singleTimes):F1} ms, ratio {Median(singleTimes) / Median(batchedTimes):F1}×");

static double Median(List<double> values) { var s = values.Order().ToArray(); return s[s.Length / 2]; }

// 3. Memory over a long run: RSS after each of five 1a runs of 200 epochs (6,400 steps each) should stay flat.
var rss = new List<double>();
var longRun = oneA with { Epochs = 200 };
for (int r = 0; r < 5; r++)
{
    Trainer.Run(quadratic, longRun);
    GC.Collect();
    rss.Add(Environment.WorkingSet / 1048576.0);
}
Console.WriteLine($"RSS after each of 5 × 6,400 steps: {string.Join(", ", rss.Select(v => $"{v:F0}"))} MB");

// 4. Two-well explorer: a click (6 optimizers × 50 epochs at batch 2) and a 40 × 40 escape map.
var race = new PolyakCore.Explorer.RaceSettings();
var raceTimes = new List<double>();
for (int r = 0; r < repeats + 1; r++)
{
    var t = Stopwatch.StartNew(); PolyakCore.Explorer.TwoWellRace.Run(race); t.Stop();
    if (r > 0) raceTimes.Add(t.Elapsed.TotalMilliseconds);
}
var map = PolyakCore.Explorer.EscapeMap.Compute(race.ToRequest("polyak-sgd"), (-12, 6), (-13, 6));
Console.WriteLine($"explorer click, 6 optimizers × 50 epochs at batch 2: {Median(raceTimes):F1} ms; 40×40 escape map (polyak-sgd, batch 2): {map.Seconds:F2} s");

// 5. Questions 2a–2c: server time per update of the "Line search & constraints" page.
double Time(Action work) { var times = new List<double>(); for (int r = 0; r < repeats + 1; r++) { var t = Stopwatch.StartNew(); work(); t.Stop(); if (r > 0) times.Add(t.Elapsed.TotalMilliseconds); } return Median(times); }
Console.WriteLine($"2a line search (3 methods × 40 its + contour): {Time(() => PolyakCore.Demos.LineSearchDemo.Run(new())):F1} ms; " +
    $"2a mini-batch (3 methods, 1b, batch 16, 2 epochs): {Time(() => PolyakCore.Demos.StochasticLineSearch.Run("noisy-linear", 16, 2)):F1} ms; " +
    $"2b: {Time(() => PolyakCore.Demos.ChangeOfVariables.Run(new())):F2} ms; " +
    $"2c: {Time(() => PolyakCore.Demos.PenaltyMethod.Run(new())):F2} ms, 2-D: {Time(() => PolyakCore.Demos.PenaltyMethod.Plane(10)):F1} ms");

// 6. Ensembles: seeds × configurations as one batched computation.
EnsembleBench.Run(repeats);

// 7. Persisting: a 1a run (polyak-sgd, batch 1, 30,000 steps) recorded into a LiveRun as the server does,
//    alone and with the run store writing its records every 0.5 s (SQLite, WAL, one transaction per flush).
var persisted = await PersistBench.RunAsync(quadratic, oneA with { BatchSize = 1, Epochs = 30 }, repeats);
Console.WriteLine(PersistLine(persisted));

static string PersistLine(PersistBench.Result p) =>
    $"1a, batch 1, 30,000 steps: in memory {p.Plain:F0} ms, persisted {p.Stored:F0} ms; pairs persisted/in memory: wall {p.WallRatio:F3}×, " +
    $"CPU {p.CpuRatio:F3}× ({p.PlainCpu:F0} / {p.StoredCpu:F0} ms); A/A control (two in-memory runs) wall {p.ControlRatio:F3}×; the writer's flushes during a run {p.Flushing:F1} ms " +
    $"({100 * p.Flushing / p.Plain:F2}% of the training), the flush after the end {p.LastFlush:F1} ms; " +
    $"all {p.Rows:N0} records in one transaction {p.WriteAll:F1} ms ({1000 * p.WriteAll / p.Rows:F2} µs/record)";
