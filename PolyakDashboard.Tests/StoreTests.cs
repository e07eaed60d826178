using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Hosting;
using PolyakCore.Training;
using PolyakDashboard.Runs;
using PolyakDashboard.Storage;
using static PolyakDashboard.Tests.StoreTestKit;

namespace PolyakDashboard.Tests;

/// <summary>The run store: history across restarts and crashes, export and import, purge, annotations, and
/// clear start-up errors. Each test has database files of its own; the tests that are not about SQLite's file run on
/// both backends (SQLite and PostgreSQL, <see cref="StoreBackends"/>).</summary>
public class StoreTests
{
    private static readonly object ShortRun = new { problem = "quadratic", optimizer = "polyak-sgd", batchSize = 100, epochs = 30 };   // 300 steps
    private static readonly object LongRun = new { problem = "noisy-linear", optimizer = "sgd", batchSize = 1, epochs = 2000 };      // 2,000,000 steps

    [Fact]
    public async Task AfterACrashTheRunningRunIsInterruptedAndFinishedRunsAreIntact()
    {
        string folder = TempFolder();
        try
        {
            string live = Path.Combine(folder, "live.db"), crashed = Path.Combine(folder, "crashed.db");
            string finishedId, runningId, finishedRun, finishedMetrics;
            int stepBeforeCrash;
            await using (var first = new DashboardFactory { DatabasePath = live })
            {
                var client = first.CreateClient();
                finishedId = await StartAsync(client, ShortRun);
                Assert.Equal("completed", (await WaitAsync(client, finishedId)).GetProperty("status").GetString());
                finishedRun = await client.GetStringAsync($"/api/runs/{finishedId}");
                finishedMetrics = await MetricsAsync(client, finishedId);
                runningId = await StartAsync(client, LongRun);
                stepBeforeCrash = (await WaitAsync(client, runningId, r => r.GetProperty("step").GetInt32() > 0)).GetProperty("step").GetInt32();
                await Task.Delay(1500);                 // three flush intervals: the records up to here are on disk
                CrashImage(live, crashed);              // what a kill -9 now would leave
                await client.DeleteAsync($"/api/runs/{runningId}");
            }

            await using var second = new DashboardFactory { DatabasePath = crashed };
            var again = second.CreateClient();
            var interrupted = JsonDocument.Parse(await again.GetStringAsync($"/api/runs/{runningId}")).RootElement;
            Assert.Equal("interrupted", interrupted.GetProperty("status").GetString());
            Assert.Equal(RunStore.RunningMessage, interrupted.GetProperty("message").GetString());
            int storedStep = interrupted.GetProperty("step").GetInt32();
            Assert.True(storedStep >= stepBeforeCrash, $"the crash lost more than a second: step {storedStep} < {stepBeforeCrash}");
            Assert.Equal(storedStep, RowCounts(crashed)[runningId].Batches);     // every step up to the last one written

            // History loads without records; the first ask reads them.
            var registry = second.Services.GetRequiredService<RunRegistry>();
            Assert.True(registry.Get(finishedId)!.RecordsPending);
            Assert.Equal(finishedRun, await again.GetStringAsync($"/api/runs/{finishedId}"));
            Assert.True(registry.Get(finishedId)!.RecordsPending);
            Assert.Equal(finishedMetrics, await MetricsAsync(again, finishedId));
            Assert.False(registry.Get(finishedId)!.RecordsPending);
            Assert.Contains(JsonDocument.Parse(await again.GetStringAsync("/api/runs")).RootElement.EnumerateArray(),
                r => r.GetProperty("id").GetString() == finishedId);

            // And a late joiner on the hub gets the stored curve.
            await using var hub = new HubConnectionBuilder()
                .WithUrl(new Uri(second.Server.BaseAddress, TrainingHub.Path), o => o.HttpMessageHandlerFactory = _ => second.Server.CreateHandler())
                .AddJsonProtocol(o => PolyakJson.Configure(o.PayloadSerializerOptions))
                .Build();
            await hub.StartAsync();
            var snapshot = Assert.Single(await hub.InvokeAsync<RunSnapshot[]>("Subscribe", new[] { finishedId }));
            Assert.Equal(RunStatus.Completed, snapshot.Status);
            Assert.Equal(300, snapshot.Step);
            Assert.Equal(31, snapshot.Epochs.Epoch.Length);
        }
        finally { DeleteFolder(folder); }
    }

    [SkippableTheory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task AGracefulStopWritesEverythingAndCancelsWhatWasRunning(string backend)
    {
        await using var store = TestStore.Create(backend);
        {
            string runningId;
            await using (var first = store.Factory())
            {
                var client = first.CreateClient();
                runningId = await StartAsync(client, LongRun);
                await WaitAsync(client, runningId, r => r.GetProperty("step").GetInt32() > 0);
            }   // stopping the host: the queue cancels the run, then the history writes the rest

            await using var second = store.Factory();
            var run = await WaitAsync(second.CreateClient(), runningId);
            Assert.Equal("cancelled", run.GetProperty("status").GetString());
            Assert.Equal(run.GetProperty("step").GetInt32(), store.RowCounts()[runningId].Batches);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task ExportThenImportIsLosslessNaNIncludedAcrossARestart(string backend)
    {
        await using var store = TestStore.Create(backend);
        {
            RunDocument document;
            await using (var source = new DashboardFactory())
            {
                var client = source.CreateClient();
                var id = await StartAsync(client, new { problem = "quadratic", optimizer = "sps-max", batchSize = 100, epochs = 3, label = "σ test" });
                await WaitAsync(client, id);
                Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync($"/api/runs/{id}/annotations", new { tags = new[] { "lecture", "sps" }, note = "for week 3" })).StatusCode);
                document = JsonSerializer.Deserialize<RunDocument>(await client.GetStringAsync($"/api/runs/{id}/export"), PolyakJson.Options)!;
            }
            // What a diverged run records: NaN and ±Infinity in every kind of field.
            var batches = document.Batches!.ToArray();
            batches[^2] = batches[^2] with { Loss = double.PositiveInfinity, GradNormSq = double.NaN, StepSize = double.NegativeInfinity };
            batches[^1] = batches[^1] with { Loss = double.NaN, EffectiveStep = double.NaN, Parameters = [double.NaN, double.NegativeInfinity, -0.0] };
            var epochs = document.Epochs!.ToArray();
            epochs[^1] = epochs[^1] with { Loss = double.NaN, Parameters = [double.PositiveInfinity, double.NaN, 1e-310], ValLoss = double.NaN };
            epochs[1] = epochs[1] with { ValLoss = 0.25 };     // a validation loss (child speech), NaN above, none elsewhere
            Assert.All(batches, b => Assert.True(b.Seconds > 0 && b.Seconds < 60, $"step {b.Step} at {b.Seconds} s"));
            document = document with
            {
                Run = document.Run! with { Status = RunStatus.Diverged, Message = "Diverged at step 30 (epoch 3): loss NaN." },
                Batches = batches, Epochs = epochs,
            };
            string expected = JsonSerializer.Serialize(document, PolyakJson.Options);

            await using (var target = store.Factory())
            {
                var response = await target.CreateClient().PostAsync("/api/runs/import", new StringContent(expected, Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                Assert.Equal(document.Run.Id, body.RootElement.GetProperty("id").GetString());     // free here: kept
            }
            await using var restarted = store.Factory();
            string exported = await restarted.CreateClient().GetStringAsync($"/api/runs/{document.Run.Id}/export");
            AssertSameRecords(document, JsonSerializer.Deserialize<RunDocument>(exported, PolyakJson.Options)!);
            Assert.Equal(expected, exported);
        }
    }

    [Fact]
    public async Task ImportingACopyOfADivergedRunGivesItAFreshId()
    {
        await using var factory = new DashboardFactory();
        var client = factory.CreateClient();
        var id = await StartAsync(client, new { problem = "noisy-linear", optimizer = "sgd", optimizerOptions = new { lr = 10 }, batchSize = 16, epochs = 100 });
        Assert.Equal("diverged", (await WaitAsync(client, id)).GetProperty("status").GetString());
        string exported = await client.GetStringAsync($"/api/runs/{id}/export");

        var response = await client.PostAsync("/api/runs/import", new StringContent(exported, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        string copyId = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        Assert.NotEqual(id, copyId);
        Assert.Equal($"/api/runs/{copyId}", response.Headers.Location?.ToString());

        var original = JsonSerializer.Deserialize<RunDocument>(exported, PolyakJson.Options)!;
        var copy = JsonSerializer.Deserialize<RunDocument>(await client.GetStringAsync($"/api/runs/{copyId}/export"), PolyakJson.Options)!;
        Assert.NotEqual(original.Run!.LaunchId, copy.Run!.LaunchId);
        AssertSameRecords(original, copy);
        Assert.Equal(original.Run.Summary!.FinalLoss, copy.Run.Summary!.FinalLoss);
        await factory.Services.GetRequiredService<RunHistory>().FlushAsync();
        Assert.Equal(RowCounts(factory.DatabasePath)[id], RowCounts(factory.DatabasePath)[copyId]);
    }

    [Theory]
    [InlineData("""{"format": "csv", "version": 1}""", "format")]
    [InlineData("""{"format": "polyak-dashboard-run", "version": 7, "run": null, "batches": [], "epochs": []}""", "version")]
    [InlineData("""{"format": "polyak-dashboard-run", "version": 1, "batches": [], "epochs": []}""", "run")]
    [InlineData("""{"format": "polyak-dashboard-run", "version": 1, "extra": 1}""", "extra")]
    [InlineData("""{"format": "polyak-dashboard-run", "version": 1, "batches": "many"}""", "batches")]
    [InlineData("not json", "body")]
    [InlineData("", "body")]
    public async Task BadImportDocumentsGet400NamingTheField(string body, string field)
    {
        await using var factory = new DashboardFactory();
        var response = await factory.CreateClient().PostAsync("/api/runs/import", new StringContent(body, Encoding.UTF8, "application/json"));
        await AssertFieldErrorAsync(response, field);
    }

    [Fact]
    public async Task ImportChecksTheRunAndItsRecords()
    {
        await using var factory = new DashboardFactory();
        var client = factory.CreateClient();
        var id = await StartAsync(client, new { problem = "quadratic", batchSize = 100, epochs = 2 });
        await WaitAsync(client, id);
        var good = JsonSerializer.Deserialize<RunDocument>(await client.GetStringAsync($"/api/runs/{id}/export"), PolyakJson.Options)!;
        var batches = good.Batches!.ToArray();
        var swapped = batches.ToArray();
        (swapped[3], swapped[4]) = (swapped[4], swapped[3]);

        (RunDocument Document, string Field)[] cases =
        [
            (good with { Run = good.Run! with { Status = RunStatus.Running } }, "run.status"),
            (good with { Run = good.Run! with { Id = "Not an id!" } }, "run.id"),
            (good with { Run = good.Run! with { Id = "compare" } }, "run.id"),
            (good with { Run = good.Run! with { Request = good.Run.Request with { Optimizer = "nope" } } }, "run.request.optimizer"),
            (good with { Run = good.Run! with { Tags = ["ok", new string('x', 500)] } }, "run.tags[1]"),
            (good with { Batches = swapped }, "batches[4].step"),
            (good with { Batches = [batches[0] with { Parameters = [1.0] }] }, "batches[0].parameters"),
            (good with { Epochs = null }, "epochs"),
        ];
        foreach (var (document, field) in cases)
        {
            var response = await client.PostAsync("/api/runs/import",
                new StringContent(JsonSerializer.Serialize(document, PolyakJson.Options), Encoding.UTF8, "application/json"));
            await AssertFieldErrorAsync(response, field);
        }
        Assert.Single(JsonDocument.Parse(await client.GetStringAsync("/api/runs")).RootElement.EnumerateArray());   // nothing imported
    }

    [SkippableTheory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task ConcurrentRunsLoseNoRows(string backend)
    {
        await using var store = TestStore.Create(backend);
        {
            var settings = new Dictionary<string, string> { ["Runs:MaxConcurrentRuns"] = "3", ["Runs:PersistIntervalMs"] = "100" };
            var ids = new List<string>();
            var metrics = new Dictionary<string, string>();
            await using (var factory = store.Factory(settings))
            {
                var client = factory.CreateClient();
                for (int seed = 0; seed < 6; seed++)
                    ids.Add(await StartAsync(client, new { problem = "noisy-linear", optimizer = seed % 2 == 0 ? "sgd" : "polyak-sgd", batchSize = 1, epochs = 3, seed }));
                foreach (var id in ids) Assert.Equal("completed", (await WaitAsync(client, id)).GetProperty("status").GetString());
                await factory.Services.GetRequiredService<RunHistory>().FlushAsync();
                var counts = store.RowCounts();
                foreach (var id in ids) Assert.Equal((3000L, 4L, 1L, 3000L), counts[id]);     // 1000 points × 3 epochs; epochs 0–3
                foreach (var id in ids) metrics[id] = await MetricsAsync(client, id);
            }
            await using var restarted = store.Factory();
            var again = restarted.CreateClient();
            foreach (var id in ids) Assert.Equal(metrics[id], await MetricsAsync(again, id));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task PurgeDeletesAFinishedRunAndRefusesARunningOne(string backend)
    {
        await using var store = TestStore.Create(backend);
        await using var factory = store.Factory();
        var client = factory.CreateClient();
        var finished = await StartAsync(client, ShortRun);
        await WaitAsync(client, finished);
        var running = await StartAsync(client, LongRun);
        try
        {
            await WaitAsync(client, running, r => r.GetProperty("status").GetString() == "running");
            Assert.Equal(HttpStatusCode.BadRequest, (await client.DeleteAsync($"/api/runs/{running}?purge=true")).StatusCode);
            Assert.Equal(HttpStatusCode.Conflict, (await client.GetAsync($"/api/runs/{running}/export")).StatusCode);
        }
        finally { await client.DeleteAsync($"/api/runs/{running}"); }

        await factory.Services.GetRequiredService<RunHistory>().FlushAsync();
        Assert.True(store.RowCounts().ContainsKey(finished));
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/runs/{finished}?purge=true")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/runs/{finished}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/api/runs/{finished}?purge=true")).StatusCode);
        Assert.False(store.RowCounts().ContainsKey(finished));

        await WaitAsync(client, running);       // the cancelled run can go too, once it has ended
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/runs/{running}?purge=true")).StatusCode);
        await factory.Services.GetRequiredService<RunHistory>().FlushAsync();
        Assert.Empty(store.RowCounts());
        Assert.Equal(0L, store.Scalar("SELECT (SELECT count(*) FROM record_chunks) + (SELECT count(*) FROM epochs)"));
    }

    [SkippableTheory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task AnnotationsAreValidatedStoredAndKept(string backend)
    {
        await using var store = TestStore.Create(backend);
        {
            string id;
            await using (var factory = store.Factory())
            {
                var client = factory.CreateClient();
                id = await StartAsync(client, ShortRun);
                var response = await client.PutAsJsonAsync($"/api/runs/{id}/annotations", new { tags = new[] { " baseline ", "Baseline", "1a" }, note = "  c = 0.5  " });
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var run = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                Assert.Equal(["baseline", "1a"], run.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
                Assert.Equal("c = 0.5", run.GetProperty("note").GetString());

                await AssertFieldErrorAsync(await client.PutAsJsonAsync($"/api/runs/{id}/annotations", new { tags = new[] { "" } }), "tags[0]");
                await AssertFieldErrorAsync(await client.PutAsJsonAsync($"/api/runs/{id}/annotations", new { note = new string('n', 10_001) }), "note");
                await AssertFieldErrorAsync(await client.PutAsJsonAsync($"/api/runs/{id}/annotations", new { label = "x" }), "label");
                Assert.Equal(HttpStatusCode.NotFound, (await client.PutAsJsonAsync("/api/runs/nope/annotations", new { note = "x" })).StatusCode);
                await WaitAsync(client, id);            // finishing (the flush writes the row again) keeps them
            }
            await using var restarted = store.Factory();
            var again = JsonDocument.Parse(await restarted.CreateClient().GetStringAsync($"/api/runs/{id}")).RootElement;
            Assert.Equal(["baseline", "1a"], again.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
            Assert.Equal("c = 0.5", again.GetProperty("note").GetString());
        }
    }

    [SkippableTheory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task RunsTrimmedFromMemoryAreStillFoundAndLoadedAgain(string backend)
    {
        await using var store = TestStore.Create(backend);
        {
            var settings = new Dictionary<string, string> { ["Runs:MaxRunsKept"] = "2" };
            var ids = new List<string>();
            await using (var factory = store.Factory(settings))
            {
                var client = factory.CreateClient();
                foreach (int seed in new[] { 1, 2, 3, 4 })
                {
                    ids.Add(await StartAsync(client, new { problem = "quadratic", batchSize = 100, epochs = 5, seed }));
                    await WaitAsync(client, ids[^1]);
                }
                await factory.Services.GetRequiredService<RunHistory>().FlushAsync();     // memory lets go of stored runs only
                Assert.Equal(ids.TakeLast(2), await ListedAsync(client));
                var oldest = JsonDocument.Parse(await client.GetStringAsync($"/api/runs/{ids[0]}")).RootElement;
                Assert.Equal("completed", oldest.GetProperty("status").GetString());
                Assert.Equal(50, JsonDocument.Parse(await MetricsAsync(client, ids[0])).RootElement.GetProperty("batches").GetArrayLength());
            }
            await using var restarted = store.Factory(settings);
            var again = restarted.CreateClient();
            Assert.Equal(ids.TakeLast(2), await ListedAsync(again));
            Assert.Equal(HttpStatusCode.OK, (await again.GetAsync($"/api/runs/{ids[0]}")).StatusCode);
            Assert.Equal(4, store.RowCounts().Count);
        }
    }

    [Fact]
    public void NewIdsAvoidTheStoredOnes()
    {
        var registry = new RunRegistry(Microsoft.Extensions.Options.Options.Create(new RunOptions()), new ArchiveOf(id => id.EndsWith("-1") || id.EndsWith("-2")));
        Assert.EndsWith("-3", registry.NewId("quadratic"));
    }

    private sealed class ArchiveOf(Func<string, bool> contains) : IRunArchive
    {
        public LiveRun? Find(string id) => null;
        public bool Contains(string id) => contains(id);
    }

    private static async Task<string?[]> ListedAsync(HttpClient client) =>
        [.. JsonDocument.Parse(await client.GetStringAsync("/api/runs")).RootElement.EnumerateArray().Select(r => r.GetProperty("id").GetString())];

    [Fact]
    public void AGarbageFileGivesAClearStartUpError()
    {
        string folder = TempFolder();
        try
        {
            string path = Path.Combine(folder, "runs.db");
            File.WriteAllBytes(path, Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("this is not a database. ", 400))));
            var log = new CriticalLog();
            using var factory = new DashboardFactory { DatabasePath = path, Configure = b => b.ConfigureLogging(l => l.AddProvider(log)) };
            Assert.ThrowsAny<Exception>(() => factory.CreateClient());     // the host never starts
            var message = Assert.Single(log.Messages);
            Assert.Equal($"The run store {path} cannot be opened: SQLite Error 26: 'file is not a database'. Move it aside or set ConnectionStrings:Runs.", message);
            Assert.Equal("this is not a database. ", File.ReadAllText(path)[..24]);      // left as it was
        }
        finally { DeleteFolder(folder); }
    }

    [Fact]
    public void ALockedFileGivesAClearStartUpError()
    {
        string folder = TempFolder();
        try
        {
            string path = Path.Combine(folder, "runs.db");
            using var holder = new SqliteConnection($"Data Source={path};Pooling=False");
            holder.Open();
            using (var exclusive = holder.CreateCommand()) { exclusive.CommandText = "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; CREATE TABLE t (x);"; exclusive.ExecuteNonQuery(); }

            var log = new CriticalLog();
            using var factory = new DashboardFactory
            {
                DatabasePath = path,
                Settings = new Dictionary<string, string> { ["ConnectionStrings:Runs"] = $"Data Source={path};Default Timeout=1" },
                Configure = b => b.ConfigureLogging(l => l.AddProvider(log)),
            };
            Assert.ThrowsAny<Exception>(() => factory.CreateClient());
            Assert.Equal($"The run store {path} cannot be opened: SQLite Error 5: 'database is locked'. Move it aside or set ConnectionStrings:Runs.", Assert.Single(log.Messages));
        }
        finally { DeleteFolder(folder); }
    }

    /// <summary>Critical log messages, as the console would print them.</summary>
    private sealed class CriticalLog : ILoggerProvider, ILogger
    {
        public List<string> Messages { get; } = [];
        public ILogger CreateLogger(string categoryName) => this;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel == LogLevel.Critical;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) lock (Messages) Messages.Add(formatter(state, exception));
        }
        public void Dispose() { }
    }

    private static async Task AssertFieldErrorAsync(HttpResponseMessage response, string field)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{response.StatusCode}: {text}");
        using var json = JsonDocument.Parse(text);
        Assert.True(json.RootElement.GetProperty("errors").TryGetProperty(field, out _), $"no error for {field}: {text}");
    }

    /// <summary>Every field of every record, NaN equal to NaN.</summary>
    private static void AssertSameRecords(RunDocument expected, RunDocument actual)
    {
        Assert.Equal(expected.Batches!.Count, actual.Batches!.Count);
        for (int i = 0; i < expected.Batches.Count; i++)
        {
            var (e, a) = (expected.Batches[i], actual.Batches[i]);
            Assert.Equal((e.Step, e.Epoch, e.Loss, e.StepSize, e.GradNormSq, e.EffectiveStep, e.Evaluations, e.Seconds),
                         (a.Step, a.Epoch, a.Loss, a.StepSize, a.GradNormSq, a.EffectiveStep, a.Evaluations, a.Seconds));
            AssertSameValues(e.Parameters, a.Parameters);
        }
        Assert.Equal(expected.Epochs!.Count, actual.Epochs!.Count);
        for (int i = 0; i < expected.Epochs.Count; i++)
        {
            Assert.Equal((expected.Epochs[i].Epoch, expected.Epochs[i].Loss, expected.Epochs[i].ValLoss),
                         (actual.Epochs[i].Epoch, actual.Epochs[i].Loss, actual.Epochs[i].ValLoss));
            AssertSameValues(expected.Epochs[i].Parameters, actual.Epochs[i].Parameters);
        }
        var (x, y) = (expected.Run!, actual.Run!);
        Assert.Equal((x.ExperimentId, x.Request, x.Status, x.Message, x.CreatedAt, x.StartedAt, x.FinishedAt, x.TotalSteps, x.Note),
                     (y.ExperimentId, y.Request, y.Status, y.Message, y.CreatedAt, y.StartedAt, y.FinishedAt, y.TotalSteps, y.Note));
        Assert.Equal(x.ParameterNames, y.ParameterNames);
        Assert.Equal(x.Tags, y.Tags);
        Assert.Equal(JsonSerializer.Serialize(x.Summary, PolyakJson.Options), JsonSerializer.Serialize(y.Summary, PolyakJson.Options));
    }

    private static void AssertSameValues(double[]? expected, double[]? actual)
    {
        if (expected is null) { Assert.Null(actual); return; }
        Assert.NotNull(actual);
        Assert.Equal(expected.Select(BitConverter.DoubleToInt64Bits).Select(b => double.IsNaN(BitConverter.Int64BitsToDouble(b)) ? 0x7FF8000000000000 : b),
                     actual.Select(BitConverter.DoubleToInt64Bits).Select(b => double.IsNaN(BitConverter.Int64BitsToDouble(b)) ? 0x7FF8000000000000 : b));
    }
}

/// <summary>A store several dashboard instances share (PostgreSQL): which backend a connection string picks, and a
/// restarted instance interrupting only its own unfinished runs and ensembles.</summary>
public class SharedStoreTests
{
    [Theory]
    [InlineData("Data Source=data/runs.db", false)]
    [InlineData("Data Source=:memory:", false)]
    [InlineData("Host=127.0.0.1;Port=5432;Database=polyak;Username=polyak", true)]
    [InlineData("Server=db.example;Database=polyak", true)]
    public void TheConnectionStringPicksTheBackend(string connectionString, bool postgres) =>
        Assert.Equal(postgres, StoreDialect.IsPostgres(connectionString));

    [SkippableFact]
    public async Task ARestartedInstanceInterruptsOnlyItsOwnRuns()
    {
        await using var backing = TestStore.Create("postgres");
        var request = new RunRequest { Problem = "quadratic", Optimizer = "sgd", BatchSize = 10, Epochs = 3 };
        StoredRun Running(string id) => new(id, "launch", null, request, RunStatus.Running, null, DateTimeOffset.UtcNow,
            DateTimeOffset.UtcNow, null, 9, ["w"], null, [], null);
        StoredEnsemble Group(string id) => new(id, "1b", new PolyakCore.Experiments.ExperimentOverrides(), new EnsembleSpec(3),
            2, "quadratic", ["sgd", "polyak-sgd"], RunStatus.Running, null, DateTimeOffset.UtcNow, null, null, []);
        using (var a = backing.Open("dashboard-a")) { a.Write([new RunWrite("run-a", Running("run-a"), [], [])]); new EnsembleStore(a).Insert(Group("group-a")); }
        using (var b = backing.Open("dashboard-b")) { b.Write([new RunWrite("run-b", Running("run-b"), [], [])]); new EnsembleStore(b).Insert(Group("group-b")); }

        using var restarted = backing.Open("dashboard-a");
        restarted.Open();
        var rows = restarted.Query(new RunQuery(Sort: RunSort.Created, Descending: false)).Rows.ToDictionary(r => r.Id);
        Assert.Equal(RunStatus.Interrupted, rows["run-a"].Status);
        Assert.Equal(RunStore.RunningMessage, rows["run-a"].Message);
        Assert.Equal(RunStatus.Interrupted, rows["group-a"].Status);
        Assert.Equal(RunStatus.Running, rows["run-b"].Status);          // another instance's, still training
        Assert.Equal(RunStatus.Running, rows["group-b"].Status);
        Assert.Equal("sgd, polyak-sgd", rows["group-b"].Optimizer);    // an ensemble's optimizers, in order
        Assert.Equal(3, rows["group-b"].Ensemble!.Seeds);
    }
}
