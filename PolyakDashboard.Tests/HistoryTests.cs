using System.IO.Compression;
using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PolyakDashboard.History;
using PolyakDashboard.Storage;
using static PolyakDashboard.Tests.StoreTestKit;

namespace PolyakDashboard.Tests;

/// <summary>The run history as the Runs page uses it: the V2 migration, the run table, comparison lines and exports.</summary>
public class HistoryTests
{
    private static readonly object ShortRun = new { problem = "quadratic", optimizer = "polyak-sgd", batchSize = 100, epochs = 30 };   // 300 steps

    [Fact]
    public async Task AVersion1DatabaseIsMigratedKeepingItsRunsAndRecords()
    {
        string folder = TempFolder();
        try
        {
            string database = Path.Combine(folder, "runs.db");
            using (var v1 = new SqliteConnection($"Data Source={database};Pooling=False"))
            {
                v1.Open();
                Sql(v1, StoreMigrations.All[0].Sql);
                Sql(v1, """
                    CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT;
                    INSERT INTO schema_version VALUES (1, '2026-01-01T00:00:00.0000000+00:00');
                    INSERT INTO runs (seq, id, launch_id, request, status, created_at, started_at, finished_at, total_steps, parameter_names, summary, tags)
                    VALUES (1, 'old-run', 'old-launch', '{"problem":"quadratic","optimizer":"sgd","batchSize":10,"epochs":2}', 'completed',
                            '2026-01-01T10:00:00.0000000+00:00', '2026-01-01T10:00:01.0000000+00:00', '2026-01-01T10:00:03.5000000+00:00',
                            4, '["w1","w2","b"]', '{"status":"completed","finalLoss":0.125}', '["v1"]');
                    INSERT INTO batches (run, step, epoch, loss, step_size, grad_norm_sq, effective_step, evaluations) VALUES
                        (1, 1, 1, 4.0, 0.1, 1, 0.1, 1), (1, 2, 1, 2.0, 0.1, 1, 0.1, 1), (1, 3, 2, 1.0, 0.1, 1, 0.1, 1), (1, 4, 2, 0.5, 0.1, 1, 0.1, 1);
                    INSERT INTO epochs (run, epoch, loss) VALUES (1, 0, 5.0), (1, 1, 1.5), (1, 2, 0.25);
                    """);
            }

            await using var factory = new DashboardFactory { DatabasePath = database };
            var client = factory.CreateClient();
            var metrics = JsonDocument.Parse(await MetricsAsync(client, "old-run")).RootElement;
            var batches = metrics.GetProperty("batches").EnumerateArray().ToArray();
            Assert.Equal([4.0, 2.0, 1.0, 0.5], batches.Select(b => b.GetProperty("loss").GetDouble()));
            Assert.All(batches, b => Assert.Equal("NaN", b.GetProperty("seconds").GetString()));     // not recorded then
            Assert.All(metrics.GetProperty("epochs").EnumerateArray(), e => Assert.False(e.TryGetProperty("valLoss", out _)));

            using (var db = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False"))
            {
                db.Open();
                Assert.Equal((long)StoreMigrations.All.Count, Scalar(db, "SELECT max(version) FROM schema_version"));
                Assert.Equal(1L, Scalar(db, "SELECT count(*) FROM pragma_table_info('epochs') WHERE name = 'val_loss'"));
                Assert.Equal(1L, Scalar(db, "SELECT count(*) FROM record_chunks"));
                Assert.Equal(0L, Scalar(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('batches', 'batch_chunks')"));
            }

            // The old run lists with its summary and duration; its wall-time axis is empty (it has none).
            var row = Assert.Single(JsonDocument.Parse(await client.GetStringAsync("/api/runs/history")).RootElement.GetProperty("rows").EnumerateArray());
            Assert.Equal(("old-run", 0.125, 2.5, 4), (row.GetProperty("id").GetString(), row.GetProperty("finalLoss").GetDouble(),
                row.GetProperty("seconds").GetDouble(), row.GetProperty("step").GetInt32()));
            var old = Assert.Single(JsonDocument.Parse(await client.GetStringAsync("/api/runs/compare?ids=old-run&x=seconds")).RootElement.EnumerateArray());
            Assert.False(old.GetProperty("hasTime").GetBoolean());
            Assert.Equal(0, old.GetProperty("loss").GetProperty("x").GetArrayLength());

            // A new run in the migrated file records its wall time.
            var id = await StartAsync(client, ShortRun);
            await WaitAsync(client, id);
            await factory.Services.GetRequiredService<RunHistory>().FlushAsync();
            var stored = factory.Services.GetRequiredService<RunStore>().LoadRecords(id).Batches;
            Assert.Equal(300, stored.Count);
            Assert.All(stored, b => Assert.True(b.Seconds > 0, $"step {b.Step} at {b.Seconds} s"));
        }
        finally { DeleteFolder(folder); }
    }

    [Fact]
    public void AVersion2DatabaseKeepsEveryFieldOfEveryRecordThroughThePacking()
    {
        string folder = TempFolder();
        try
        {
            string database = Path.Combine(folder, "runs.db");
            // Two runs: 5,000 records (more than one chunk's worth) with parameters, NaN, ±∞ and wall times, and 3 without.
            var big = Enumerable.Range(1, 5000).Select(s => new PolyakCore.Training.BatchRecord(s, (s + 99) / 100,
                s == 17 ? double.NaN : 1.0 / s, s == 18 ? double.PositiveInfinity : 0.5, 0.25 * s, s == 19 ? double.NegativeInfinity : 0.1, 1 + s % 3,
                [s, -0.0, s == 20 ? double.NaN : 1e-300]) { Seconds = 0.001 * s }).ToArray();
            var small = Enumerable.Range(1, 3).Select(s => new PolyakCore.Training.BatchRecord(s, 1, 2.0 / s, 0.1, 1, 0.1, 1, null) { Seconds = double.NaN }).ToArray();
            using (var v2 = new SqliteConnection($"Data Source={database};Pooling=False"))
            {
                v2.Open();
                Sql(v2, StoreMigrations.All[0].Sql);
                Sql(v2, StoreMigrations.All[1].Sql);
                Sql(v2, """
                    CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT;
                    INSERT INTO schema_version VALUES (1, '2026-01-01T00:00:00.0000000+00:00'), (2, '2026-02-01T00:00:00.0000000+00:00');
                    INSERT INTO runs (seq, id, launch_id, request, status, created_at, total_steps, parameter_names, tags) VALUES
                        (7, 'big', 'l', '{"problem":"quadratic","optimizer":"sgd","batchSize":1,"epochs":50}', 'completed', '2026-02-01T10:00:00.0000000+00:00', 5000, '["w1","w2","b"]', '[]'),
                        (9, 'small', 'l', '{"problem":"quadratic","optimizer":"sgd","batchSize":10,"epochs":3}', 'completed', '2026-02-01T11:00:00.0000000+00:00', 3, '["w1","w2","b"]', '[]');
                    INSERT INTO batch_chunks (run, first_step, count, columns) VALUES (7, 1, 1, x'00');
                    """);
                using var transaction = v2.BeginTransaction();
                using var insert = v2.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = """
                    INSERT INTO batches (run, step, epoch, loss, step_size, grad_norm_sq, effective_step, evaluations, parameters, seconds)
                    VALUES ($run, $step, $epoch, $loss, $step_size, $g, $e, $evaluations, $parameters, $seconds)
                    """;
                object real(double v) => double.IsNaN(v) ? DBNull.Value : v;
                foreach (var (run, b) in big.Select(b => (7, b)).Concat(small.Select(b => (9, b))))
                {
                    insert.Parameters.Clear();
                    insert.Parameters.AddWithValue("$run", run);
                    insert.Parameters.AddWithValue("$step", b.Step);
                    insert.Parameters.AddWithValue("$epoch", b.Epoch);
                    insert.Parameters.AddWithValue("$loss", real(b.Loss));
                    insert.Parameters.AddWithValue("$step_size", real(b.StepSize));
                    insert.Parameters.AddWithValue("$g", real(b.GradNormSq));
                    insert.Parameters.AddWithValue("$e", real(b.EffectiveStep));
                    insert.Parameters.AddWithValue("$evaluations", b.Evaluations);
                    insert.Parameters.AddWithValue("$parameters", b.Parameters is { } p ? System.Runtime.InteropServices.MemoryMarshal.AsBytes(p.AsSpan()).ToArray() : DBNull.Value);
                    insert.Parameters.AddWithValue("$seconds", real(b.Seconds));
                    insert.ExecuteNonQuery();
                }
                transaction.Commit();
            }

            using var store = OpenStore(folder);
            // NaN was stored as NULL before V3, so what NULL meant comes back as NaN: the values written, NaN included.
            AssertSame(big, store.LoadRecords("big").Batches);
            AssertSame(small, store.LoadRecords("small").Batches);
            Assert.Equal(5000, store.LoadBatchColumns("big")!.Count);
            var row = Assert.Single(store.Query(new RunQuery("big")).Rows);
            Assert.Equal(5000, row.Step);
            using var db = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
            db.Open();
            Assert.Equal(3L, Scalar(db, "SELECT count(*) FROM record_chunks"));      // 4,096 + 904 and 3
        }
        finally { DeleteFolder(folder); }
    }

    private static void AssertSame(IReadOnlyList<PolyakCore.Training.BatchRecord> expected, IReadOnlyList<PolyakCore.Training.BatchRecord> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            var (e, a) = (expected[i], actual[i]);
            Assert.Equal((e.Step, e.Epoch, e.Evaluations), (a.Step, a.Epoch, a.Evaluations));
            Assert.Equal([e.Loss, e.StepSize, e.GradNormSq, e.EffectiveStep, e.Seconds], [a.Loss, a.StepSize, a.GradNormSq, a.EffectiveStep, a.Seconds]);
            if (e.Parameters is null) Assert.Null(a.Parameters);
            else Assert.Equal(BitConverter.DoubleToInt64Bits(e.Parameters[1]), BitConverter.DoubleToInt64Bits(a.Parameters![1]));   // −0 kept
            Assert.Equal(e.Parameters, a.Parameters);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task TheRunTableFiltersSortsAndPagesOnTheServer(string backend)
    {
        await using var store = TestStore.Create(backend);
        await using var factory = store.Factory();
        var client = factory.CreateClient();
        var sgd = await StartAsync(client, new { problem = "quadratic", optimizer = "sgd", batchSize = 100, epochs = 5, seed = 3 });
        var adam = await StartAsync(client, new { problem = "noisy-linear", optimizer = "adam", batchSize = 50, epochs = 5, label = "Adam for week 2" });
        var polyak = await StartAsync(client, new { problem = "quadratic", optimizer = "polyak-sgd", batchSize = 100, epochs = 5 });
        foreach (var id in new[] { sgd, adam, polyak }) await WaitAsync(client, id);
        await factory.Services.GetRequiredService<RunHistory>().FlushAsync();

        JsonElement Page(string query) => JsonDocument.Parse(client.GetStringAsync("/api/runs/history" + query).Result).RootElement;
        string[] Ids(JsonElement page) => [.. page.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("id").GetString()!)];

        Assert.Equal([polyak, adam, sgd], Ids(Page("")));                                  // newest first
        Assert.Equal([adam], Ids(Page("?search=WEEK")));                                   // label, any case
        Assert.Equal([sgd, polyak], Ids(Page("?search=quadratic&sort=created&desc=false")));
        Assert.Equal([polyak, sgd], Ids(Page("?search=sgd&sort=optimizer&desc=false")));   // "polyak-sgd" < "sgd"
        Assert.Equal(adam, Ids(Page("?sort=batch&desc=false"))[0]);                       // batch 50 before 100
        Assert.Equal(sgd, Ids(Page("?sort=seed"))[0]);                                     // seed 3 before 0
        var second = Page("?take=2&skip=2");
        Assert.Equal(3, second.GetProperty("total").GetInt32());
        Assert.Equal([sgd], Ids(second));
        Assert.Empty(Ids(Page("?status=diverged")));
        var losses = Page("?sort=finalLoss&desc=false").GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("finalLoss").GetDouble()).ToArray();
        Assert.Equal(3, losses.Length);
        Assert.Equal(losses.Order(), losses);
        var durations = Page("?sort=duration&desc=true").GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("seconds").GetDouble()).ToArray();
        // The store sorts by its own time arithmetic: SQLite's julianday() reads times to the millisecond, so two runs of
        // ~10 ms each (a CI run: 0.00951 s and 0.00958 s) may tie or swap there; a real order is what is asserted.
        for (int i = 1; i < durations.Length; i++)
            Assert.True(durations[i - 1] >= durations[i] - 0.002, $"durations not descending: {string.Join(", ", durations)}");
        var bad = await client.GetAsync("/api/runs/history?status=sleeping&sort=colour");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty("status", out _) && errors.TryGetProperty("sort", out _));
    }

    [Fact]
    public async Task CompareGivesDecimatedLinesOnEveryAxis()
    {
        await using var factory = new DashboardFactory();
        var client = factory.CreateClient();
        var small = await StartAsync(client, ShortRun);
        var large = await StartAsync(client, new { problem = "noisy-linear", optimizer = "polyak-sgd", batchSize = 1, epochs = 3 });    // 3,000 steps
        await WaitAsync(client, small);
        await WaitAsync(client, large);
        var metrics = JsonSerializer.Deserialize<JsonElement>(await MetricsAsync(client, large));
        double[] losses = [.. metrics.GetProperty("batches").EnumerateArray().Select(b => b.GetProperty("loss").GetDouble())];
        double lastSecond = metrics.GetProperty("batches").EnumerateArray().Last().GetProperty("seconds").GetDouble();

        RunChartData[] Compare(string x, int points = 200) => JsonSerializer.Deserialize<RunChartData[]>(
            client.GetStringAsync($"/api/runs/compare?ids={large},{small}&x={x}&points={points}").Result, PolyakJson.Options)!;

        var byStep = Compare("step");
        Assert.Equal([large, small], byStep.Select(r => r.Id));
        var line = byStep[0].Loss;
        Assert.InRange(line.Count, 100, 202);                           // 3,000 records → about 200 points
        Assert.Equal(losses.Max(), line.Y.Max());                        // min/max buckets keep the spikes
        Assert.Equal(losses.Min(), line.Y.Min());
        Assert.Equal((1.0, 3000.0), (line.X[0], line.X[^1]));
        Assert.Equal(line.X.Order(), line.X);
        Assert.Equal(300, Compare("step", 1000)[1].Loss.Count);          // fewer records than points: every one
        Assert.Equal(31, byStep[1].EpochLoss.Count);
        Assert.Equal(300.0, byStep[1].EpochLoss.X[^1]);                  // epoch 30 ends at step 300
        Assert.Null(byStep[1].ValLoss);

        var byEpoch = Compare("epoch");
        Assert.Equal(3.0, byEpoch[0].Loss.X[^1]);
        Assert.InRange(byEpoch[0].Loss.X[0], 0.0, 0.01);
        Assert.Equal(Enumerable.Range(0, 31).Select(e => (double)e), byEpoch[1].EpochLoss.X);

        var bySeconds = Compare("seconds");
        Assert.True(bySeconds.All(r => r.HasTime));
        Assert.Equal(lastSecond, bySeconds[0].Loss.X[^1]);
        Assert.Equal(bySeconds[0].Loss.X.Order(), bySeconds[0].Loss.X);
        Assert.Equal(0.0, bySeconds[0].EpochLoss.X[0]);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/runs/compare?ids={small},nope")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/api/runs/compare?ids={small}&x=minutes")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/runs/compare")).StatusCode);
    }

    [Fact]
    public async Task ASelectionExportsAsCsvAndJsonWithMetricsAndConfig()
    {
        await using var factory = new DashboardFactory();
        var client = factory.CreateClient();
        var a = await StartAsync(client, ShortRun);
        var b = await StartAsync(client, new { problem = "noisy-linear", optimizer = "sgd", batchSize = 50, epochs = 4, label = "b" });   // 80 steps
        await WaitAsync(client, a);
        await WaitAsync(client, b);

        var csv = await client.GetAsync($"/api/runs/export?ids={a},{b}&format=csv");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("application/zip", csv.Content.Headers.ContentType?.MediaType);
        Assert.Equal("runs-2.zip", csv.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        using (var zip = new ZipArchive(await csv.Content.ReadAsStreamAsync()))
        {
            Assert.Equal(new[] { $"{a}/epochs.csv", $"{a}/metrics.csv", $"{a}/run.json", $"{b}/epochs.csv", $"{b}/metrics.csv", $"{b}/run.json" }.Order(StringComparer.Ordinal),
                zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
            var metrics = Lines(zip, $"{b}/metrics.csv");
            Assert.Equal("step,epoch,loss,stepSize,gradNormSq,seconds,w,b", metrics[0]);
            Assert.Equal(81, metrics.Length);
            Assert.StartsWith("80,4,", metrics[^1]);
            Assert.True(double.Parse(metrics[^1].Split(',')[5], System.Globalization.CultureInfo.InvariantCulture) > 0);
            Assert.Equal(["epoch,loss,valLoss", "0,"], Lines(zip, $"{b}/epochs.csv").Take(2).Select((l, i) => i == 0 ? l : l[..2]));
            using var config = JsonDocument.Parse(zip.GetEntry($"{b}/run.json")!.Open());
            Assert.Equal("sgd", config.RootElement.GetProperty("request").GetProperty("optimizer").GetString());
            Assert.Equal("completed", config.RootElement.GetProperty("summary").GetProperty("status").GetString());
        }

        var json = await client.GetAsync($"/api/runs/export?ids={a},{b}&format=json");
        using (var zip = new ZipArchive(await json.Content.ReadAsStreamAsync()))
        {
            foreach (var (id, steps) in new[] { (a, 300), (b, 80) })
            {
                using var reader = new StreamReader(zip.GetEntry($"{id}.json")!.Open());
                var document = JsonSerializer.Deserialize<RunDocument>(reader.ReadToEnd(), PolyakJson.Options)!;
                Assert.Empty(document.Validate());        // each one imports as it is
                Assert.Equal((id, steps), (document.Run!.Id, document.Batches!.Count));
            }
        }

        var one = await client.GetAsync($"/api/runs/export?ids={b}");
        Assert.Equal("application/json", one.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"{b}.json", one.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal(await client.GetStringAsync($"/api/runs/{b}/export"), await one.Content.ReadAsStringAsync());

        // The figures, as the CLI draws them: runs without an experiment are laid out as their problem's page (1a here).
        var c = await StartAsync(client, new { problem = "quadratic", optimizer = "sgd", optimizerOptions = new { lr = 0.05 }, batchSize = 100, epochs = 30 });
        await WaitAsync(client, c);
        var svg = await client.GetAsync($"/api/runs/export?ids={a},{c}&format=svg");
        Assert.Equal(HttpStatusCode.OK, svg.StatusCode);
        Assert.Equal("runs-2-figures.zip", svg.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        using (var zip = new ZipArchive(await svg.Content.ReadAsStreamAsync()))
        {
            Assert.Equal(["all-runs-batch-loss.svg", "all-runs-epochs.svg", "all-runs-step-size.svg", "contour-w1-w2.svg"],
                zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
            using var entry = zip.GetEntry("all-runs-batch-loss.svg")!.Open();
            var figure = System.Xml.Linq.XDocument.Load(entry);
            var texts = figure.Descendants("{http://www.w3.org/2000/svg}text").Select(t => t.Value).ToArray();
            Assert.Contains("polyak-sgd", texts);
            Assert.Contains("sgd", texts);
            Assert.Contains("mini-batch loss", texts);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/runs/export?ids={a},nope")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/api/runs/export?ids={a}&format=xml")).StatusCode);
        var running = await StartAsync(client, new { problem = "noisy-linear", optimizer = "sgd", batchSize = 1, epochs = 2000 });
        Assert.Equal(HttpStatusCode.Conflict, (await client.GetAsync($"/api/runs/export?ids={a},{running}&format=csv")).StatusCode);
        await client.DeleteAsync($"/api/runs/{running}");
    }

    [SkippableTheory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task RecordsComeBackFromTheChunksWholeWithRetriesAndOverlapsResolvedAndBadChunksSkipped(string backend)
    {
        await using var backing = TestStore.Create(backend);
        {
            using var store = backing.Open();
            var request = new PolyakCore.Training.RunRequest { Problem = "quadratic", Optimizer = "sgd", BatchSize = 10, Epochs = 3 };
            var row = new PolyakDashboard.Runs.StoredRun("chunked", "launch", null, request, PolyakCore.Training.RunStatus.Completed, null,
                DateTimeOffset.UtcNow, null, null, 9, ["w1", "w2", "b"], null, [], null);
            var records = Enumerable.Range(1, 9).Select(s => new PolyakCore.Training.BatchRecord(s, (s + 2) / 3, s == 5 ? double.NaN : 1.0 / s,
                0.01 * s, 1, 0.1, 1, [s, 0, 0]) { Seconds = 0.25 * s }).ToArray();
            // Flushes of a live run: the second written twice (a retry that got one record further, with a wrong step 7),
            // the last starting inside the one before (a partial overlap: the later write's step 7 is the one kept).
            store.Write([new RunWrite("chunked", row, records[..4], [])]);
            store.Write([new RunWrite("chunked", null, records[4..6], [])]);
            store.Write([new RunWrite("chunked", null, [records[4], records[5], records[6] with { Loss = -1 }], [])]);
            store.Write([new RunWrite("chunked", null, records[6..], [])]);

            AssertSame(records, store.LoadRecords("chunked").Batches);
            var c = store.LoadBatchColumns("chunked")!;
            Assert.Equal(9, c.Count);
            Assert.Equal(records.Select(r => r.Step), c.Step);
            Assert.Equal(records.Select(r => r.Epoch), c.Epoch);
            Assert.Equal(records.Select(r => r.Seconds), c.Seconds);
            Assert.Equal(records.Select(r => r.Loss), c.Loss);          // NaN included
            Assert.Equal(records.Select(r => r.StepSize), c.StepSize);
            Assert.Equal((9, 0), store.CountRecords("chunked"));

            Assert.Equal(3L, backing.Scalar("SELECT count(*) FROM record_chunks"));
            backing.Execute("UPDATE record_chunks SET records = substr(records, 1, 20) WHERE first_step = 5");   // a torn blob
            Assert.Equal([1, 2, 3, 4, 7, 8, 9], store.LoadRecords("chunked").Batches.Select(b => b.Step));
            Assert.Equal(7, store.LoadBatchColumns("chunked")!.Count);
            Assert.Null(store.LoadBatchColumns("nope"));
            Assert.Empty(store.LoadRecords("nope").Batches);
            Assert.True(store.Delete("chunked"));
        }
    }

    private static string[] Lines(ZipArchive zip, string name)
    {
        using var reader = new StreamReader(zip.GetEntry(name)!.Open());
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
    }

    private static void Sql(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}

public class ReplayScheduleTests
{
    [Theory]
    [InlineData(1, 120, 1)]
    [InlineData(10, 12, 10)]
    [InlineData(100, 3, 40)]      // 1.2 s would be over before anyone saw it: slowed to the shortest replay
    public void AMultipleOfWallTimeDividesTheLongestRun(double factor, double duration, double rate)
    {
        var plan = ReplaySchedule.Plan([120, 30], ReplaySpeed.Times(factor));
        Assert.Equal(duration, plan.Duration, 9);
        Assert.Equal(rate, plan.Rate, 9);
        Assert.Equal(factor == 100, plan.Stretched);
        Assert.Equal(120, plan.Recorded);
    }

    [Fact]
    public void ShortRunsReplayOverAFewSecondsWhateverTheMultipleAndFitToTheirOwnLengthByDefault()
    {
        // Two 1b runs of 0.38 and 0.45 s at 10×: over in 0.045 s before; now 3 s, and saying so.
        var plan = ReplaySchedule.Plan([0.38, 0.45], ReplaySpeed.Times(10));
        Assert.True(plan.Stretched);
        Assert.Equal(ReplaySchedule.ShortestSeconds, plan.Duration, 9);
        Assert.Equal(0.45 / ReplaySchedule.ShortestSeconds, plan.Rate, 9);
        Assert.Equal(3, ReplaySchedule.DefaultFitSeconds([0.38, 0.45]));
        Assert.Equal(8, ReplaySchedule.DefaultFitSeconds([7.2, 2]));          // between: its own pace
        Assert.Equal(60, ReplaySchedule.DefaultFitSeconds([3600]));           // a long run: a minute
        Assert.False(ReplaySchedule.Plan([120], ReplaySpeed.Times(10)).Stretched);
    }

    [Fact]
    public void FitToNSecondsShowsA200EpochRunInAMinute()
    {
        var plan = ReplaySchedule.Plan([3600, 1800], ReplaySpeed.FitTo(60));
        Assert.Equal((60.0, 60.0), (plan.Duration, plan.Rate));
        double[] clock = [0, 900, 1800, 2700, 3600];
        Assert.Equal(1, plan.Visible(clock, 0));
        Assert.Equal(2, plan.Visible(clock, 15));     // 15 s in: 900 run seconds
        Assert.Equal(2, plan.Visible(clock, 29.9));
        Assert.Equal(3, plan.Visible(clock, 30));
        Assert.Equal(5, plan.Visible(clock, 60));
        Assert.Equal(5, plan.Visible(clock, 1000));   // past the end: everything
    }

    [Fact]
    public void RunsWithoutWallTimeUseTheirStepsAndRunsShareOneClock()
    {
        double[] seconds = [double.NaN, double.NaN, double.NaN], steps = [1, 500, 1000];
        Assert.Equal([0.01, 5, 10], ReplaySchedule.Clock(seconds, steps, hasTime: false));
        Assert.Equal([0.5, 1.5, 2.5], ReplaySchedule.Clock([0.5, 1.5, 2.5], steps, hasTime: true));
        Assert.False(RunCharts.HasTime(seconds));
        Assert.False(RunCharts.HasTime([0.0, 0.0]));       // an old export: zeros
        Assert.True(RunCharts.HasTime([0.0, 0.5]));
        // A 100-second run next to a 20-second one at 10×: one rate, so the short one ends after 2 s.
        var plan = ReplaySchedule.Plan([100, 20], ReplaySpeed.Times(10));
        Assert.Equal(10.0, plan.Duration, 9);
        Assert.Equal(3, plan.Visible([5, 10, 20], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ReplaySpeed.Times(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ReplaySpeed.FitTo(double.NaN));
        Assert.Equal(new ReplaySchedule(1, 0), ReplaySchedule.Plan([], ReplaySpeed.FitTo(60)));
    }
}
