using System.Diagnostics;
using PolyakCore.Experiments;
using PolyakCore.Explorer;
using PolyakCore.Training;

namespace PolyakBench;

/// <summary>Ensembles side by side, interleaved, medians: the 1b grid at 1 and at 20 seeds (the ratio is the cost of
/// 19 more seeds), the 1c grid at 20 seeds, a 40 × 40 escape map at 1 and 10 seeds, and the 1b grid at 20 seeds run
/// one seed at a time through the single-run trainer (what the batched engine saves).</summary>
public static class EnsembleBench
{
    public static void Run(int repeats)
    {
        var oneB = ExperimentCatalog.Get("1b").Runs;
        var oneC = ExperimentCatalog.Get("1c").Runs;
        var template = new RaceSettings().ToRequest("polyak-sgd");
        var times = new Dictionary<string, List<double>>();
        var cpuTimes = new Dictionary<string, List<double>>();
        var process = Process.GetCurrentProcess();
        void Time(string name, Action work)
        {
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew(); work(); clock.Stop();
            process.Refresh();
            (times.TryGetValue(name, out var list) ? list : times[name] = []).Add(clock.Elapsed.TotalSeconds);
            (cpuTimes.TryGetValue(name, out var cpuList) ? cpuList : cpuTimes[name] = []).Add((process.TotalProcessorTime - cpu).TotalSeconds);
        }
        for (int r = 0; r < repeats + 1; r++)
        {
            if (r == 1) { times.Clear(); cpuTimes.Clear(); }   // the first round warms up
            Time("1b × 1", () => Ensemble.Run(oneB, new EnsembleSpec(1)));
            Time("1b × 20", () => Ensemble.Run(oneB, new EnsembleSpec(20)));
            Time("1c × 20", () => Ensemble.Run(oneC, new EnsembleSpec(20)));
            Time("map × 1", () => EscapeMap.Compute(template, (-12, 6), (-13, 6), 40, 40));
            Time("map × 10", () => EscapeMap.Compute(template, (-12, 6), (-13, 6), 40, 40, seeds: 10));
        }
        // One at a time is slow: once, after the rest.
        var single = Stopwatch.StartNew();
        var spec = new EnsembleSpec(20);
        foreach (var configuration in oneB) for (int i = 0; i < spec.Seeds; i++) Trainer.Run(spec.SeedOf(configuration, i));
        single.Stop();

        double M(string name) { var s = times[name].Order().ToArray(); return s[s.Length / 2]; }
        double C(string name) { var s = cpuTimes[name].Order().ToArray(); return s[s.Length / 2]; }
        Console.WriteLine($"ensembles (medians of {repeats}): 1b grid ({oneB.Count} configurations) × 1 seed {M("1b × 1"):F2} s, × 20 seeds {M("1b × 20"):F2} s, " +
            $"ratio {M("1b × 20") / M("1b × 1"):F2}× (target ≤ 3); the same 480 runs one at a time through the trainer {single.Elapsed.TotalSeconds:F1} s " +
            $"({single.Elapsed.TotalSeconds / M("1b × 20"):F0}× the batched); 1c grid × 20 seeds {M("1c × 20"):F2} s (target ≤ 1); " +
            $"40×40 escape map × 1 seed {M("map × 1"):F2} s, × 10 seeds {M("map × 10"):F2} s (target ≤ 10)");
        Console.WriteLine($"CPU time (all threads, moves less with other load): 1b × 1 {C("1b × 1"):F2} s, × 20 {C("1b × 20"):F2} s, " +
            $"ratio {C("1b × 20") / C("1b × 1"):F2}×; 1c × 20 {C("1c × 20"):F2} s; map × 1 {C("map × 1"):F2} s, × 10 {C("map × 10"):F2} s");
    }

    /// <summary>The 1b ratio alone (1 and 20 seeds interleaved): quick enough to run under a profiler.</summary>
    public static void Ratio(int repeats)
    {
        var oneB = ExperimentCatalog.Get("1b").Runs;
        var (one, twenty) = (new List<double>(), new List<double>());
        // A process's first ensembles run code still being compiled and tiered (`-- first-ensembles`): the first rounds warm
        // up, as a server that has computed a few pages' ensembles.
        const int warmUp = 4;
        for (int r = 0; r < repeats + warmUp; r++)
        {
            var clock = Stopwatch.StartNew();
            Ensemble.Run(oneB, new EnsembleSpec(1));
            double a = clock.Elapsed.TotalSeconds;
            clock.Restart();
            Ensemble.Run(oneB, new EnsembleSpec(20));
            double b = clock.Elapsed.TotalSeconds;
            if (r >= warmUp) { one.Add(a); twenty.Add(b); }
        }
        double M(List<double> v) => v.Order().ElementAt(v.Count / 2);
        Console.WriteLine($"1b grid × 1 seed {M(one):F3} s, × 20 seeds {M(twenty):F3} s: ratio {M(twenty) / M(one):F2}× (target ≤ 3)");
    }

    /// <summary>The 1b grid at one seed count alone, repeated: a profile of one side of the ratio. BENCH_BATCHES and
    /// BENCH_NOISES (comma-separated) narrow the grid to some batch sizes or noise levels.</summary>
    public static void Seeds(int seeds, int repeats)
    {
        var batches = Environment.GetEnvironmentVariable("BENCH_BATCHES")?.Split(',').Select(int.Parse).ToArray();
        var noises = Environment.GetEnvironmentVariable("BENCH_NOISES")?.Split(',').Select(double.Parse).ToArray();
        var oneB = ExperimentCatalog.Get("1b", new ExperimentOverrides { BatchSizes = batches, Noises = noises }).Runs;
        var times = new List<double>();
        for (int r = 0; r < repeats + 1; r++)
        {
            var clock = Stopwatch.StartNew();
            Ensemble.Run(oneB, new EnsembleSpec(seeds));
            if (r > 0) times.Add(clock.Elapsed.TotalSeconds);   // the first round warms up
        }
        Console.WriteLine($"1b grid × {seeds} seeds: median {times.Order().ElementAt(times.Count / 2):F3} s over {repeats}");
    }
}
