using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using PolyakCore.Experiments;
using PolyakCore.Training;
using PolyakDashboard.Storage;
using static PolyakDashboard.Tests.StoreTestKit;

namespace PolyakDashboard.Tests;

/// <summary>Ensembles as groups in the run store: the V5 migration, an exact round trip of the curves, one row in the
/// run table, and the HTTP API (list, summary, export, delete; the presenter's alone).</summary>
public class EnsembleGroupTests
{
    [Fact]
    public void AVersion4StoreIsMigratedAndAGroupRoundTripsExactly()
    {
        string folder = TempFolder();
        try
        {
            using (var v4 = new SqliteConnection($"Data Source={Path.Combine(folder, "runs.db")};Pooling=False"))
            {
                v4.Open();
                foreach (var migration in StoreMigrations.All.Take(4)) Sql(v4, migration.Sql);
                Sql(v4, """
                    CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT;
                    INSERT INTO schema_version VALUES (1, '2026-01-01T00:00:00Z'), (2, '2026-01-02T00:00:00Z'), (3, '2026-01-03T00:00:00Z'), (4, '2026-01-04T00:00:00Z');
                    INSERT INTO runs (seq, id, launch_id, request, status, created_at, total_steps, parameter_names, summary, tags)
                    VALUES (1, 'old-run', 'l', '{"problem":"quadratic","optimizer":"sgd","batchSize":10,"epochs":2}', 'completed',
                            '2026-01-04T10:00:00.0000000+00:00', 4, '["w1","w2","b"]', '{"status":"completed","finalLoss":0.125}', '[]');
                    """);
            }

            // A real ensemble with every kind of value: a diverging configuration (+∞ losses, NaN step sizes after it).
            var grid = ExperimentCatalog.Get("1c", new() { Epochs = 4, BatchSizes = [5] }).Runs;
            var configurations = grid.Append(grid[0] with { Optimizer = "sgd", OptimizerOptions = new() { Lr = 80 } }).ToArray();
            var spec = new EnsembleSpec(5, SeedVariation.Order);
            var result = Ensemble.Run(configurations, spec);
            Assert.Equal(5, result.Configurations[^1].Diverged);
            var names = configurations.Select((c, i) => $"config-{i}").ToArray();
            var findings = new[] { new Finding("f", "claim", "text with 5 seeds", true) };
            var created = new DateTimeOffset(2026, 3, 12, 14, 25, 1, TimeSpan.Zero);
            var group = new StoredEnsemble("1c-ens-20260312-142501", "1c", new ExperimentOverrides { Epochs = 4, BatchSizes = [5] }, spec,
                configurations.Length, "two-well", ["polyak-sgd", "sgd"], RunStatus.Running, null, created, null, null, []);

            using (var store = OpenStore(folder))
            {
                var ensembles = new EnsembleStore(store);
                ensembles.Insert(group);
                Assert.True(ensembles.Finish(group with { Status = RunStatus.Completed, FinishedAt = created.AddSeconds(2), Seconds = result.Seconds, Findings = findings },
                    result, names, EnsembleFiles.Summary(result, names, findings)));

                var (loaded, back, backNames) = ensembles.Load(group.Id)!.Value;
                Assert.Equal(names, backNames);
                Assert.Equal((RunStatus.Completed, 5, SeedVariation.Order, created), (loaded.Status, loaded.Spec.Seeds, loaded.Spec.Vary, loaded.CreatedAt));
                Assert.Equal([5], loaded.Overrides.BatchSizes!);
                Assert.Equal("text with 5 seeds", Assert.Single(loaded.Findings).Text);
                for (int c = 0; c < configurations.Length; c++)
                {
                    var (a, b) = (result.Configurations[c], back.Configurations[c]);
                    foreach (var (x, y) in new[] { (a.Loss, b.Loss), (a.StepSize, b.StepSize), (a.EpochLoss, b.EpochLoss) })
                    {
                        Assert.Equal(x.P10, y.P10);          // bit for bit, NaN and ∞ included
                        Assert.Equal(x.Median, y.Median);
                        Assert.Equal(x.P90, y.P90);
                    }
                    Assert.Equal(a.Request, b.Request);
                    Assert.Equal(a.Runs.Select(r => (r.Status, r.FinalLoss, r.Steps)), b.Runs.Select(r => (r.Status, r.FinalLoss, r.Steps)));
                    Assert.Equal(a.Wells, b.Wells);
                    Assert.Equal(a.FinalLoss, b.FinalLoss);
                }
                Assert.Contains(back.Configurations[^1].Loss.Median, double.IsPositiveInfinity);
                Assert.Contains(back.Configurations[^1].StepSize.Median, double.IsNaN);
                // The files of the stored group are the files of the computed one.
                Assert.Equal(Files(result, names, findings), Files(back, backNames, loaded.Findings));

                // One row in the run table next to the old run, found by "ensemble"; the run count is the runs'.
                var page = store.Query(new RunQuery());
                Assert.Equal(2, page.Total);
                var row = Assert.Single(page.Rows, r => r.IsEnsemble);
                Assert.Equal((group.Id, "1c", "two-well", "polyak-sgd, sgd", 5, configurations.Length), (row.Id, row.ExperimentId, row.Problem, row.Optimizer, row.Ensemble!.Seeds, row.Ensemble.Configurations));
                Assert.Equal($"ensemble · 5 seeds × {configurations.Length} configurations", row.Ensemble.Title);
                Assert.Equal(group.Id, Assert.Single(store.Query(new RunQuery(Search: "ensemble")).Rows).Id);
                Assert.Equal("old-run", Assert.Single(store.Query(new RunQuery(Search: "quadratic")).Rows).Id);
                Assert.Equal(2, store.Query(new RunQuery(Sort: RunSort.FinalLoss)).Rows.Count);

                // A group left running by a crashed server comes back interrupted.
                ensembles.Insert(group with { Id = "1c-ens-left-running" });
            }
            using (var again = OpenStore(folder))
            {
                var ensembles = new EnsembleStore(again);
                Assert.Equal(RunStatus.Interrupted, ensembles.Find("1c-ens-left-running")!.Status);
                Assert.Null(ensembles.Load("1c-ens-left-running"));
                Assert.True(ensembles.Delete(group.Id));
                Assert.Null(ensembles.Find(group.Id));
                Assert.Equal(["old-run", "1c-ens-left-running"], again.Query(new RunQuery(Descending: false)).Rows.Select(r => r.Id));
            }
            using var db = new SqliteConnection($"Data Source={Path.Combine(folder, "runs.db")};Mode=ReadOnly;Pooling=False");
            db.Open();
            Assert.Equal((long)StoreMigrations.All.Count, Scalar(db, "SELECT max(version) FROM schema_version"));
            Assert.Equal(0L, Scalar(db, "SELECT count(*) FROM ensemble_configurations"));     // deleted with their group
        }
        finally { DeleteFolder(folder); }
    }

    [Fact]
    public async Task ThePresentersEnsembleIsOneGroupListedSummarisedExportedAndDeleted()
    {
        await using var factory = new DashboardFactory();
        var client = factory.CreateClient();      // on localhost with no key configured: the presenter
        int runsBefore = JsonDocument.Parse(await client.GetStringAsync("/api/runs/history")).RootElement.GetProperty("total").GetInt32();

        var response = await client.PostAsJsonAsync("/api/experiments/1c/runs", new { seeds = 20, vary = "order", epochs = 5 });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var posted = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        string id = posted.GetProperty("id").GetString()!;
        Assert.StartsWith("1c-ens-", id);
        Assert.Equal($"/api/ensembles/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(20, posted.GetProperty("seeds").GetInt32());

        var listed = Assert.Single(JsonDocument.Parse(await client.GetStringAsync("/api/ensembles")).RootElement.EnumerateArray());
        Assert.Equal((id, "completed", 20, 8, "order"), (listed.GetProperty("id").GetString(), listed.GetProperty("status").GetString(),
            listed.GetProperty("seeds").GetInt32(), listed.GetProperty("configurations").GetInt32(), listed.GetProperty("vary").GetString()));

        var summary = JsonDocument.Parse(await client.GetStringAsync($"/api/ensembles/{id}")).RootElement;
        Assert.Equal(id, summary.GetProperty("id").GetString());
        var configurations = summary.GetProperty("configurations").EnumerateArray().ToArray();
        Assert.Equal(8, configurations.Length);
        Assert.All(configurations, c => Assert.Equal(20, c.GetProperty("runs").GetArrayLength()));
        Assert.All(configurations, c => Assert.Equal(20, c.GetProperty("wells").EnumerateObject().Sum(w => w.Value.GetInt32())));
        Assert.Equal(3, summary.GetProperty("findings").GetArrayLength());
        Assert.Equal(posted.GetProperty("configurations").GetRawText(), summary.GetProperty("configurations").GetRawText());

        // The run table: one row for the 160 runs of the group.
        var history = JsonDocument.Parse(await client.GetStringAsync("/api/runs/history?take=500")).RootElement;
        Assert.Equal(runsBefore + 1, history.GetProperty("total").GetInt32());
        var row = Assert.Single(history.GetProperty("rows").EnumerateArray(), r => r.GetProperty("id").GetString() == id);
        Assert.Equal(20, row.GetProperty("ensemble").GetProperty("seeds").GetInt32());

        // Export: the CLI's three files; its ensemble.json is the summary.
        var export = await client.GetAsync($"/api/ensembles/{id}/export");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal("application/zip", export.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"{id}.zip", export.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        using (var zip = new ZipArchive(await export.Content.ReadAsStreamAsync()))
        {
            Assert.Equal(["ensemble.csv", "epochs.csv", "ensemble.json"], zip.Entries.Select(e => e.FullName));
            using var json = JsonDocument.Parse(zip.GetEntry("ensemble.json")!.Open());
            Assert.Equal(summary.GetProperty("configurations").GetRawText(), json.RootElement.GetProperty("configurations").GetRawText());
            Assert.Equal(summary.GetProperty("findings").GetRawText(), json.RootElement.GetProperty("findings").GetRawText());
            var steps = new StreamReader(zip.GetEntry("ensemble.csv")!.Open()).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(EnsembleFiles.StepHeader, steps[0]);
            Assert.Equal(1 + configurations.Sum(c => c.GetProperty("runs")[0].GetProperty("steps").GetInt32()), steps.Length);
            var epochs = new StreamReader(zip.GetEntry("epochs.csv")!.Open()).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(1 + 8 * 6, epochs.Length);                 // epochs 0 to 5 of each configuration
        }

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/ensembles/{id}")).StatusCode);
        var gone = await client.GetAsync($"/api/ensembles/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("application/problem+json", gone.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/ensembles/{id}/export")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/api/ensembles/{id}")).StatusCode);
        Assert.Equal(runsBefore, JsonDocument.Parse(await client.GetStringAsync("/api/runs/history")).RootElement.GetProperty("total").GetInt32());

        // Bad requests name their field.
        var bad = await client.PostAsJsonAsync("/api/experiments/1b/runs", new { seeds = 500 });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        Assert.True(JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty("seeds", out _));
        var badVary = await client.PostAsync("/api/experiments/1b/runs", new StringContent("""{ "seeds": 3, "vary": "sometimes" }""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, badVary.StatusCode);
        Assert.Contains("vary", await badVary.Content.ReadAsStringAsync());
        Assert.Empty(JsonDocument.Parse(await client.GetStringAsync("/api/ensembles")).RootElement.EnumerateArray());
    }

    [Fact]
    public async Task AnInMemoryStoreKeepsGroupsToo()
    {
        await using var factory = new DashboardFactory { Settings = new Dictionary<string, string> { ["ConnectionStrings:Runs"] = $"Data Source=groups-{Guid.NewGuid():N};Mode=Memory;Cache=Shared" } };
        var client = factory.CreateClient();
        var made = await client.PostAsJsonAsync("/api/experiments/1a/runs", new { seeds = 2, epochs = 3 });
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        string id = JsonDocument.Parse(await made.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        Assert.Equal(id, Assert.Single(JsonDocument.Parse(await client.GetStringAsync("/api/ensembles")).RootElement.EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/ensembles/{id}/export")).StatusCode);
        Assert.Null(factory.Services.GetRequiredService<RunStore>().FilePath);
    }

    [Fact]
    public async Task OnlyThePresenterMakesOrDeletesGroupsAndOnlyFromTheDashboardsOwnPages()
    {
        await using var app = new KeyedDashboardFactory();
        var presenter = app.Presenter();
        var made = await presenter.PostAsJsonAsync("/api/experiments/1a/runs", new { seeds = 3, epochs = 5 });
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        string id = JsonDocument.Parse(await made.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;

        var viewer = app.Viewer();
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/ensembles")).StatusCode);         // reading is everyone's
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"/api/ensembles/{id}/export")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await viewer.DeleteAsync($"/api/ensembles/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await viewer.PostAsJsonAsync("/api/experiments/1a/runs", new { seeds = 3 })).StatusCode);
        // With the key, but from another site's page: refused before anything runs.
        var crossSite = new HttpRequestMessage(HttpMethod.Delete, $"/api/ensembles/{id}");
        crossSite.Headers.Add(Security.Presenter.Header, KeyedDashboardFactory.Key);
        crossSite.Headers.Add("Origin", "http://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.SendAsync(crossSite)).StatusCode);
        Assert.Single(JsonDocument.Parse(await viewer.GetStringAsync("/api/ensembles")).RootElement.EnumerateArray());
        Assert.Equal(HttpStatusCode.NoContent, (await presenter.DeleteAsync($"/api/ensembles/{id}")).StatusCode);
    }

    [Fact]
    public async Task GroupsCompareSideBySideWithRunsOfTheirExperimentDrawnOverTheirBands()
    {
        await using var factory = new DashboardFactory();
        var client = factory.CreateClient();
        var grid = new { batchSizes = new[] { 16 }, noises = new[] { 1.0 }, epochs = 5 };
        async Task<string> GroupAsync(int seeds, string vary)
        {
            var response = await client.PostAsJsonAsync("/api/experiments/1b/runs", new { grid.batchSizes, grid.noises, grid.epochs, seeds, vary });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        }
        string a = await GroupAsync(4, "both"), b = await GroupAsync(6, "order");
        var launched = await client.PostAsJsonAsync("/api/experiments/1b/runs", grid);
        var runIds = JsonDocument.Parse(await launched.Content.ReadAsStringAsync()).RootElement.GetProperty("runIds").EnumerateArray().Select(e => e.GetString()!).ToArray();
        string other = await StartAsync(client, new { problem = "two-well", optimizer = "sgd", batchSize = 5, epochs = 3 });
        foreach (var id in runIds.Append(other)) await WaitAsync(client, id);

        var charts = factory.Services.GetRequiredService<PolyakDashboard.History.GroupCharts>();
        var loaded = charts.Load([a, b]);
        Assert.Equal(["A", "B"], loaded.Select(g => g.Letter));
        var (panels, notDrawn) = charts.Build(loaded, [.. runIds, other]);
        var panel = Assert.Single(panels);                          // both groups' configurations and the runs share 1b's panel
        Assert.Equal("σ = 1, batch 16", panel.Title);
        Assert.Equal(["polyak-sgd · A", "sgd · A", "polyak-sgd · B", "sgd · B", "σ=1, batch 16, polyak-sgd", "σ=1, batch 16, sgd"],
            panel.StepSize.Select(s => s.Name));
        Assert.All(panel.EpochLoss.Take(4), s => Assert.NotNull(s.Lower));       // groups: bands
        Assert.All(panel.EpochLoss.Skip(4), s => Assert.Null(s.Lower));           // runs: lines
        Assert.Equal(6, panel.EpochLoss[4].X.Length);                              // epochs 0 to 5
        // By optimizer, as everywhere; a repeated one in shades of it.
        Assert.Equal(PolyakDashboard.Runs.SeriesColors.Optimizer("polyak-sgd"), panel.StepSize[0].Color);
        Assert.NotEqual(panel.StepSize[0].Color, panel.StepSize[2].Color);
        Assert.Equal(other, Assert.Single(notDrawn));                             // another experiment: not over these bands
        // The bands are the stored curves: group A's median of the step size, decimated from its steps.
        var stored = factory.Services.GetRequiredService<EnsembleStore>().Load(a)!.Value.Result.Configurations[0].StepSize;
        Assert.Equal(stored.Decimate(PolyakDashboard.History.GroupCharts.Points).Median, panel.StepSize[0].Median);
    }

    private static Dictionary<string, string> Files(EnsembleResult result, IReadOnlyList<string> names, IReadOnlyList<Finding> findings)
    {
        using var memory = new MemoryStream();
        EnsembleFiles.WriteZip(memory, result, names, findings);
        memory.Position = 0;
        using var zip = new ZipArchive(memory);
        return zip.Entries.ToDictionary(e => e.FullName, e => new StreamReader(e.Open()).ReadToEnd());
    }

    private static void Sql(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }
}
