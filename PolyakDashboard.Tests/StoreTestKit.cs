using Microsoft.Extensions.Configuration;
using PolyakDashboard.Storage;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace PolyakDashboard.Tests;

/// <summary>What the run-store tests share: starting and waiting for runs over HTTP, and reading the
/// database file directly (SQL of its own, not the store's code).</summary>
internal static class StoreTestKit
{
    public static async Task<string> StartAsync(HttpClient client, object request)
    {
        var response = await client.PostAsJsonAsync("/api/runs", request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("id").GetString()!;
    }

    public static async Task<JsonElement> WaitAsync(HttpClient client, string id, Func<JsonElement, bool>? until = null, int seconds = 90)
    {
        until ??= r => r.GetProperty("status").GetString() is not ("queued" or "running");
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var run = JsonDocument.Parse(await client.GetStringAsync($"/api/runs/{id}")).RootElement;
            if (until(run)) return run;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Run {id} is still {run.GetProperty("status")}.");
            await Task.Delay(50);
        }
    }

    public static Task<string> MetricsAsync(HttpClient client, string id) => client.GetStringAsync($"/api/runs/{id}/metrics?format=json");

    /// <summary>Records per run id in the file: (batches, epochs, min step, max step); the writes of these tests never overlap.</summary>
    public static Dictionary<string, (long Batches, long Epochs, long MinStep, long MaxStep)> RowCounts(string databasePath)
    {
        using var connection = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        return RowCounts(connection);
    }

    /// <summary>Records per run id in an open store (SQLite or PostgreSQL): (batches, epochs, min step, max step).</summary>
    public static Dictionary<string, (long Batches, long Epochs, long MinStep, long MaxStep)> RowCounts(System.Data.Common.DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT r.id,
                   coalesce((SELECT sum(count) FROM record_chunks c WHERE c.run = r.seq), 0),
                   (SELECT count(*) FROM epochs e WHERE e.run = r.seq),
                   coalesce((SELECT min(first_step) FROM record_chunks c WHERE c.run = r.seq), 0),
                   coalesce((SELECT max(last_step) FROM record_chunks c WHERE c.run = r.seq), 0)
            FROM runs r
            """;
        using var reader = command.ExecuteReader();
        var counts = new Dictionary<string, (long, long, long, long)>();
        while (reader.Read())   // PostgreSQL's sum is numeric, SQLite's an integer
            counts[reader.GetString(0)] = (Convert.ToInt64(reader.GetValue(1)), Convert.ToInt64(reader.GetValue(2)),
                Convert.ToInt64(reader.GetValue(3)), Convert.ToInt64(reader.GetValue(4)));
        return counts;
    }

    /// <summary>A consistent copy of what the file holds right now (SQLite's online backup): the state a
    /// process killed at this moment would leave behind, since only committed writes survive a crash.</summary>
    public static void CrashImage(string databasePath, string copyPath)
    {
        using var source = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        using var target = new SqliteConnection($"Data Source={copyPath};Pooling=False");
        source.Open();
        target.Open();
        source.BackupDatabase(target);
    }

    /// <summary>A run store on <c>runs.db</c> in <paramref name="folder"/>, as the app configures it.</summary>
    public static RunStore OpenStore(string folder)
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Runs"] = $"Data Source={Path.Combine(folder, "runs.db")}",
        }).Build();
        return new RunStore(configuration, new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { ContentRootPath = folder },
            Microsoft.Extensions.Logging.Abstractions.NullLogger<RunStore>.Instance);
    }

    public static string TempFolder() => Directory.CreateTempSubdirectory("polyak-store-test-").FullName;

    public static void DeleteFolder(string folder)
    {
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
    }
}
