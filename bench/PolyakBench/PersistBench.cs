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

/// <summary>Training time of one run with and without the run store persisting it (medians, interleaved).</summary>
public static class PersistBench
{
    /// <summary>Medians in ms: wall time and process CPU of the training, in memory and persisted; the flush after
    /// the end; writing one run's records in one go.</summary>
    public sealed record Result(double Plain, double Stored, double PlainCpu, double StoredCpu, double LastFlush, long Rows, double WriteAll);

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
            var options = Options.Create(new RunOptions());
            var registry = new RunRegistry(options, store);
            using var history = new RunHistory(store, registry, options, NullLogger<RunHistory>.Instance);
            await history.StartAsync(CancellationToken.None);

            int steps = ProblemCatalog.TotalSteps(request);
            var names = ProblemCatalog.ParameterNames(request.Problem);
            var plainTimes = new List<double>(); var storedTimes = new List<double>(); var flushTimes = new List<double>();
            var plainCpu = new List<double>(); var storedCpu = new List<double>();     // process CPU: includes the writer's thread
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
            for (int r = 0; r < repeats + 1; r++)
            {
                // Alternating which goes first, so neither always runs on a warmer (or fuller) heap.
                var plain = r % 2 == 0 ? Train(inMemory) : default;
                var stored = Train(registry);
                var f = Stopwatch.StartNew(); await history.FlushAsync(); f.Stop();      // what was left for the last flush
                rows = store.CountRecords(stored.Run.Id).Batches;     // all of them
                if (r % 2 == 1) plain = Train(inMemory);
                last = stored.Run;
                registry.Remove(stored.Run.Id);           // memory stays flat (the store keeps the run)
                inMemory.Remove(plain.Run.Id);
                if (r == 0) continue;   // warm-up
                plainTimes.Add(plain.Wall);
                storedTimes.Add(stored.Wall);
                flushTimes.Add(f.Elapsed.TotalMilliseconds);
                plainCpu.Add(plain.Cpu);
                storedCpu.Add(stored.Cpu);
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
            return new(Median(plainTimes), Median(storedTimes), Median(plainCpu), Median(storedCpu), Median(flushTimes), rows, Median(writeTimes));
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    private static double Cpu() => Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;

    private static double Median(List<double> values) { var s = values.Order().ToArray(); return s[s.Length / 2]; }
}
