using PolyakDashboard.Security;
using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PolyakCore.Training;
using PolyakDashboard.Extensions;
using PolyakDashboard.History;
using PolyakDashboard.Runs;
using PolyakDashboard.Storage;

namespace PolyakBench;

/// <summary>A run of a million per-batch records in the run store: writing it, loading it into a chart series
/// (chart columns only, min/max decimated to 2,000 points) in process, and the same over HTTP from a running server.</summary>
public static class HistoryBench
{
    public sealed record Result(int Records, double Insert, double LoadDecimate, double LoadOnly, double Http, long HttpBytes, long FileBytes, int Points);

    public static async Task<Result> RunAsync(int records, int repeats)
    {
        string folder = Directory.CreateTempSubdirectory("polyak-history-bench-").FullName;
        try
        {
            string connection = $"Data Source={Path.Combine(folder, "runs.db")}";
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Runs"] = connection }).Build();
            double insert, loadDecimate, loadOnly;
            int points;
            string id = "bench-million";
            using (var store = new RunStore(configuration, new HostingEnvironment { ContentRootPath = folder }, NullLogger<RunStore>.Instance))
            {
                // A 1a-like run (three parameters recorded per batch), as the trainer records it.
                var request = new RunRequest { Problem = "quadratic", Optimizer = "polyak-sgd", BatchSize = 1, Epochs = records / 1000 };
                var random = new Random(1);
                var batches = new BatchRecord[records];
                for (int i = 0; i < records; i++)
                {
                    double loss = Math.Exp(-i / 2e5) * (1 + random.NextDouble()) + (random.NextDouble() < 1e-4 ? 100 : 0);
                    batches[i] = new BatchRecord(i + 1, i / 1000 + 1, loss, 0.1 * random.NextDouble(), loss * 2, 0.01, 1,
                        [random.NextDouble(), random.NextDouble(), random.NextDouble()]) { Seconds = i * 2e-5 };
                }
                var epochs = Enumerable.Range(0, records / 1000 + 1).Select(e => new EpochRecord(e, Math.Exp(-e / 200.0), [0.0, 1, 2])).ToArray();
                var created = DateTimeOffset.UtcNow;
                var row = new StoredRun(id, "bench", null, request, RunStatus.Completed, null, created, created, created.AddSeconds(20), records,
                    ["w1", "w2", "b"], new RunSummary { Status = RunStatus.Completed, Request = request }, [], null);
                store.Open();
                // As RunHistory writes a long run: one transaction per flush; 0.5 s of a fast run is ~50,000 records.
                var t = Stopwatch.StartNew();
                for (int from = 0; from < records; from += 50_000)
                    store.Write([new RunWrite(id, from == 0 ? row : null, batches[from..Math.Min(records, from + 50_000)], from == 0 ? epochs : [])]);
                insert = t.Elapsed.TotalMilliseconds;
                batches = null!;
                GC.Collect();

                var options = Options.Create(new RunOptions());
                var registry = new RunRegistry(options, store);
                var charts = new RunCharts(new RunService(registry, new RunQueue(options, NullLogger<RunQueue>.Instance), options), store);
                var loads = new List<double>(); var plain = new List<double>();
                points = 0;
                for (int r = 0; r < repeats + 1; r++)
                {
                    var l = Stopwatch.StartNew(); var data = charts.Compare([id], ChartX.Step); l.Stop();
                    var p = Stopwatch.StartNew(); store.LoadBatchColumns(id); p.Stop();
                    points = data[0].Loss.Count;
                    if (r == 0) continue;
                    loads.Add(l.Elapsed.TotalMilliseconds);
                    plain.Add(p.Elapsed.TotalMilliseconds);
                }
                (loadDecimate, loadOnly) = (Median(loads), Median(plain));
            }

            // End to end: the dashboard's API on Kestrel (loopback), a client asking for the comparison lines.
            var builder = WebApplication.CreateBuilder();
            builder.Configuration["ConnectionStrings:Runs"] = connection;
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
            builder.AddRuns();
            builder.AddPresenterSecurity();
            await using var app = builder.Build();
            app.OpenRunStore();
            app.UsePresenterSecurity();
            app.MapRuns();
            await app.StartAsync();
            string url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var http = new HttpClient { BaseAddress = new Uri(url) };
            var times = new List<double>();
            long bytes = 0;
            for (int r = 0; r < repeats + 1; r++)
            {
                var t = Stopwatch.StartNew();
                var body = await http.GetByteArrayAsync($"/api/runs/compare?ids={id}&x=step");
                t.Stop();
                bytes = body.Length;
                if (r > 0) times.Add(t.Elapsed.TotalMilliseconds);
            }
            await app.StopAsync();
            long fileBytes = new FileInfo(Path.Combine(folder, "runs.db")).Length;
            return new(records, insert, loadDecimate, loadOnly, Median(times), bytes, fileBytes, points);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Environment.GetEnvironmentVariable("BENCH_KEEP") is null) try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
            else Console.WriteLine($"kept {folder}");
        }
    }

    private static double Median(List<double> values) { var s = values.Order().ToArray(); return s[s.Length / 2]; }
}
