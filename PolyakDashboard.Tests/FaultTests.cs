using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PolyakCore.Training;
using PolyakDashboard.Runs;
using static TorchSharp.torch;

namespace PolyakDashboard.Tests;

/// <summary>Faults: a run that throws, a viewer whose connection drops, a server that shuts down mid-run.</summary>
public class FaultTests
{
    /// <summary>The real trainer, except that runs labelled "torch-fault" ask TorchSharp for a tensor whose shape does
    /// not match its data at step 50 (inside the training loop, on the training thread), and runs labelled
    /// "engine-fault" throw before training.</summary>
    /// <remarks>The fault is one TorchSharp's managed layer reports. An error raised inside libtorch itself (e.g.
    /// <c>matmul</c> of (2, 3) and (4, 5)) is not catchable here: on Debian 12, with TorchSharp's native library
    /// loaded against the older libstdc++, the C++ exception is not caught by TorchSharp and the process aborts
    /// ("terminate called after throwing an instance of 'c10::Error'"). So requests are validated before any tensor exists.</remarks>
    private sealed class FaultyEngine : IRunEngine
    {
        private readonly TrainerEngine _trainer = new();

        public RunSummary Execute(LiveRun run, CancellationToken cancel)
        {
            if (run.Request.Label == "engine-fault") throw new InvalidOperationException("The engine broke before training.");
            if (run.Request.Label != "torch-fault") return _trainer.Execute(run, cancel);
            using var problem = PolyakCore.Problems.ProblemCatalog.Create(run.Request.Problem, run.Request.ProblemOptions);
            return Trainer.Run(problem, run.Request, new FaultAt(run, 50), cancel);
        }

        private sealed class FaultAt(LiveRun run, int step) : IRunSink
        {
            public void OnBatch(BatchRecord record)
            {
                run.OnBatch(record);
                if (record.Step != step) return;
                using var bad = tensor(new double[] { 1, 2, 3 }, [2, 2]);    // 3 values for a (2, 2) tensor: TorchSharp throws
            }

            public void OnEpoch(EpochRecord record) => run.OnEpoch(record);
        }
    }

    private static DashboardFactory FaultyApp() => new()
    {
        Configure = b => b.ConfigureTestServices(s => s.AddSingleton<IRunEngine, FaultyEngine>()),
    };

    [Fact]
    public async Task ARunThatThrowsInsideTorchSharpEndsFailedWithItsMessageAndTheRestCarriesOn()
    {
        await using var app = FaultyApp();
        var client = app.CreateClient();
        string faulty = await StartAsync(client, new { problem = "quadratic", batchSize = 10, epochs = 20, label = "torch-fault" });
        string broken = await StartAsync(client, new { problem = "quadratic", batchSize = 10, epochs = 20, label = "engine-fault" });
        string healthy = await StartAsync(client, new { problem = "quadratic", batchSize = 10, epochs = 20 });

        var run = await WaitAsync(client, faulty);
        Assert.Equal("failed", run.GetProperty("status").GetString());
        Assert.False(string.IsNullOrWhiteSpace(run.GetProperty("message").GetString()));
        Assert.Contains("mismatched total size creating a tensor", run.GetProperty("message").GetString());
        Assert.Equal(50, run.GetProperty("step").GetInt32());          // its records up to the fault are kept
        var engine = await WaitAsync(client, broken);
        Assert.Equal("failed", engine.GetProperty("status").GetString());
        Assert.Equal("The engine broke before training.", engine.GetProperty("message").GetString());

        Assert.Equal("completed", (await WaitAsync(client, healthy)).GetProperty("status").GetString());
        string after = await StartAsync(client, new { problem = "quadratic", batchSize = 10, epochs = 5 });
        Assert.Equal("completed", (await WaitAsync(client, after)).GetProperty("status").GetString());
        var csv = await client.GetStringAsync($"/api/runs/{faulty}/metrics?format=csv");
        Assert.Equal(51, csv.Trim().Split('\n').Length);               // header + 50 steps
    }

    [Fact]
    public async Task AViewerWhoseConnectionDropsResubscribesAndFillsTheGap()
    {
        // History as long as the run, so the snapshot after a reconnect holds every point (the browser does the same merge).
        // A snapshot gives each of its two series (loss, step size) half the history points.
        await using var app = new DashboardFactory { Settings = new Dictionary<string, string> { ["Runs:HistoryPoints"] = "100000" } };
        var client = app.CreateClient();
        var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(app.Server.BaseAddress, TrainingHub.Path), o => o.HttpMessageHandlerFactory = _ => app.Server.CreateHandler())
            .AddJsonProtocol(o => PolyakJson.Configure(o.PayloadSerializerOptions))
            .Build();
        var losses = new ConcurrentDictionary<int, double>();
        var done = new TaskCompletionSource();
        hub.On<PointBatch>("points", p => { for (int i = 0; i < p.Step.Length; i++) losses[p.Step[i]] = p.Loss[i]; });
        hub.On<StatusUpdate>("status", s => { if (s.Status == RunStatus.Completed) done.TrySetResult(); });
        async Task SubscribeAsync(string id)
        {
            var snapshot = Assert.Single(await hub.InvokeAsync<RunSnapshot[]>("Subscribe", new[] { id }));
            for (int i = 0; i < snapshot.Batches.Step.Length; i++) losses[snapshot.Batches.Step[i]] = snapshot.Batches.Loss[i];
        }

        await hub.StartAsync();
        // 40,000 steps: long enough (a few seconds) that the drop and the reconnect fall inside the run, which at 6,000
        // steps was sometimes over before the first broadcast reached the viewer.
        const int steps = 40_000;
        string id = await StartAsync(client, new { problem = "noisy-linear", optimizer = "sgd", batchSize = 1, epochs = steps / 1000 });
        await SubscribeAsync(id);
        var runs = app.Services.GetRequiredService<RunService>();
        // Until the run is past step 500 and the viewer has seen points of it (a fast run passed 500 before the first
        // broadcast, and the viewer had nothing to resume from).
        while (runs.Get(id)!.Step < 500 || losses.IsEmpty) await Task.Delay(10);

        await hub.StopAsync();                      // the connection drops…
        int before = runs.Get(id)!.Step;
        while (runs.Get(id)!.Step < before + 1000 && !runs.Get(id)!.IsFinished) await Task.Delay(10);   // …and points go by unseen
        int missedFrom = losses.Keys.Max() + 1;
        await hub.StartAsync();                     // reconnect: a new connection, so subscribe again
        await SubscribeAsync(id);
        if (!runs.Get(id)!.IsFinished) await done.Task.WaitAsync(TimeSpan.FromSeconds(60));
        else await Task.Delay(200);

        var stored = runs.Get(id)!.Batches();
        Assert.Equal(steps, stored.Length);
        Assert.True(stored.Length - missedFrom > 500, $"the drop missed only {stored.Length - missedFrom} points");
        Assert.Equal(Enumerable.Range(1, steps), losses.Keys.Order());
        Assert.All(stored, b => Assert.Equal(b.Loss, losses[b.Step]));
        await hub.DisposeAsync();
    }

    [Fact]
    public async Task StoppingTheHostMidRunCancelsItCleanlyAndKeepsTheStoreIntact()
    {
        var log = new ErrorLog();
        string folder = Directory.CreateTempSubdirectory("polyak-stop-").FullName;
        string database = Path.Combine(folder, "runs.db");
        try
        {
            string id;
            int step;
            await using (var app = new DashboardFactory { DatabasePath = database, Configure = b => b.ConfigureLogging(l => l.AddProvider(log)) })
            {
                var client = app.CreateClient();
                id = await StartAsync(client, new { problem = "noisy-linear", optimizer = "sgd", batchSize = 1, epochs = 2000 });
                var runs = app.Services.GetRequiredService<RunService>();
                while (runs.Get(id)!.Step < 100) await Task.Delay(10);

                var clock = System.Diagnostics.Stopwatch.StartNew();
                await app.Services.GetRequiredService<IHost>().StopAsync().WaitAsync(TimeSpan.FromSeconds(20));
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"stopping took {clock.Elapsed}");
                var run = runs.Get(id)!;
                Assert.Equal(RunStatus.Cancelled, run.Status);
                Assert.True(run.IsStored, "the run's end was not written");
                step = run.Step;
            }
            Assert.Empty(log.Errors);

            await using var restarted = new DashboardFactory { DatabasePath = database };
            var again = await restarted.CreateClient().GetFromJsonAsync<JsonElement>($"/api/runs/{id}");
            Assert.Equal("cancelled", again.GetProperty("status").GetString());
            Assert.Equal(step, again.GetProperty("step").GetInt32());
            var csv = await restarted.CreateClient().GetStringAsync($"/api/runs/{id}/metrics?format=csv");
            Assert.Equal(step + 1, csv.Trim().Split('\n').Length);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task<string> StartAsync(HttpClient client, object request)
    {
        var response = await client.PostAsJsonAsync("/api/runs", request);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> WaitAsync(HttpClient client, string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var run = await client.GetFromJsonAsync<JsonElement>($"/api/runs/{id}");
            if (run.GetProperty("status").GetString() is not ("queued" or "running")) return run;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Run {id} is still {run.GetProperty("status")}.");
            await Task.Delay(50);
        }
    }

    /// <summary>Collects every error (or worse) logged.</summary>
    private sealed class ErrorLog : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<string> Errors { get; } = new();
        public ILogger CreateLogger(string categoryName) => this;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error) Errors.Enqueue($"{logLevel}: {formatter(state, exception)} {exception}");
        }
        public void Dispose() { }
    }
}
