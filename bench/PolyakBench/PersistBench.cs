using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PolyakCore.Problems;
using PolyakCore.Training;
using PolyakDashboard.Runs;
using PolyakDashboard.Storage;

namespace PolyakBench;

/// <summary>Training time of one run with and without the run store persisting it (interleaved pairs).</summary>
/// <remarks>The bench drives the history's flushes itself, every <see cref="RunOptions.PersistIntervalMs"/> as its
/// timer would, so it can time them: the writer's own time is the cost that does not depend on how busy the
/// machine's other tenants are. Wall and CPU overheads are medians of the per-pair ratios (pairs run back to back,
/// so slow drifts in the machine's load cancel).</remarks>
public static class PersistBench
{
    /// <summary>Medians in ms: wall time and process CPU of the training, in memory and persisted, and the ratios of
    /// the pairs, and of an in-memory control against the first (A/A: the noise); the flushes' time during a persisted run (the writer's own cost) and the flush after the end;
    /// writing one run's records in one go.</summary>
    public sealed record Result(double Plain, double Stored, double PlainCpu, double StoredCpu, double WallRatio, double CpuRatio,
        double ControlRatio, double Flushing, double LastFlush, long Rows, double WriteAll);

    public static async Task<Result> RunAsync(SmallProblem problem, RunRequest request, int repeats)
    {
        string folder = Directory.CreateTempSubdirectory("polyak-bench-").FullName;
        try
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Runs"] = $"Data Source={Path.Combine(folder, "runs.db")}",
            }).Build();
            var environment = new HostingEnvironment { ContentRootPath = folder };
            using var store = new RunStore(configuration, environment, NullLogger<RunStore>.Instance);
            int interval = new RunOptions().PersistIntervalMs;
            var options = Options.Create(new RunOptions { PersistIntervalMs = int.MaxValue });      // the bench flushes
            var registry = new RunRegistry(options, store);
            using var history = new RunHistory(store, registry, options, NullLogger<RunHistory>.Instance);
            await history.StartAsync(CancellationToken.None);

            int steps = ProblemCatalog.TotalSteps(request.Problem, request.ProblemOptions, request.BatchSize, request.Epochs);
            var names = ProblemCatalog.ParameterNames(request.Problem);
            var plainTimes = new List<double>(); var storedTimes = new List<double>(); var flushTimes = new List<double>();
            var plainCpu = new List<double>(); var storedCpu = new List<double>();     // process CPU: includes the writer's thread
            var wallRatios = new List<double>(); var cpuRatios = new List<double>(); var flushingTimes = new List<double>();
            long rows = 0;
            LiveRun? last = null;
            // Both arms run exactly as the server does (registry, status changes); only one registry is persisted.
            var inMemory = new RunRegistry(options);
            (double Wall, double Cpu, LiveRun Run) Train(RunRegistry into)
            {
                var run = new LiveRun(into.NewId("bench"), request, steps, names);
                into.Add(run);
                run.MarkRunning();
                var cpu = Cpu();
                var t = Stopwatch.StartNew(); var summary = Trainer.Run(problem, request, run); t.Stop();
                var used = Cpu() - cpu;
                run.Finish(summary);
                return (t.Elapsed.TotalMilliseconds, used, run);
            }
            // A persisted run with the writer flushing beside it, as RunHistory's timer would.
            async Task<(double Wall, double Cpu, LiveRun Run, double Flushing, double LastFlush)> Persisted()
            {
                using var done = new CancellationTokenSource();
                double flushing = 0;
                var writer = Task.Run(async () =>
                {
                    while (!done.IsCancellationRequested)
                    {
                        try { await Task.Delay(interval, done.Token); } catch (OperationCanceledException) { break; }
                        var w = Stopwatch.StartNew(); await history.FlushAsync(); flushing += w.Elapsed.TotalMilliseconds;
                    }
                });
                var (wall, cpu, run) = Train(registry);
                done.Cancel();
                await writer;
                var f = Stopwatch.StartNew(); await history.FlushAsync(); f.Stop();      // what was left for the last flush
                return (wall, cpu, run, flushing, f.Elapsed.TotalMilliseconds);
            }
            // Three arms per repeat, in rotating order: in memory, persisted, and in memory again — the A/A pair
            // shows how far two identical runs differ on this machine right now.
            var controlRatios = new List<double>();
            for (int r = 0; r < repeats + 1; r++)
            {
                (double Wall, double Cpu, LiveRun Run) plain = default, control = default;
                (double Wall, double Cpu, LiveRun Run, double Flushing, double LastFlush) stored = default;
                for (int k = 0; k < 3; k++)
                {
                    switch ((r + k) % 3)
                    {
                        case 0: plain = Train(inMemory); break;
                        case 1: stored = await Persisted(); break;
                        default: control = Train(inMemory); break;
                    }
                }
                rows = store.CountRecords(stored.Run!.Id).Batches;     // all of them
                last = stored.Run;
                registry.Remove(stored.Run.Id);           // memory stays flat (the store keeps the run)
                inMemory.Remove(plain.Run!.Id);
                inMemory.Remove(control.Run!.Id);
                if (r == 0) continue;   // warm-up
                plainTimes.Add(plain.Wall);
                storedTimes.Add(stored.Wall);
                flushTimes.Add(stored.LastFlush);
                plainCpu.Add(plain.Cpu);
                storedCpu.Add(stored.Cpu);
                wallRatios.Add(stored.Wall / plain.Wall);
                cpuRatios.Add(stored.Cpu / plain.Cpu);
                controlRatios.Add(control.Wall / plain.Wall);
                flushingTimes.Add(stored.Flushing);
            }
            await history.StopAsync(CancellationToken.None);

            // The writer alone: one run's records in one transaction, into a fresh row.
            var records = last!.Batches();
            var writeTimes = new List<double>();
            for (int r = 0; r < repeats + 1; r++)
            {
                var row = last.ToStored() with { Id = $"write-{r}" };
                var w = Stopwatch.StartNew(); store.Write([new RunWrite(row.Id, row, records, [])]); w.Stop();
                if (r > 0) writeTimes.Add(w.Elapsed.TotalMilliseconds);
            }
            return new(Median(plainTimes), Median(storedTimes), Median(plainCpu), Median(storedCpu), Median(wallRatios), Median(cpuRatios),
                Median(controlRatios), Median(flushingTimes), Median(flushTimes), rows, Median(writeTimes));
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    private static double Cpu() => Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;

    private static double Median(List<double> values) { var s = values.Order().ToArray(); return s[s.Length / 2]; }
}
