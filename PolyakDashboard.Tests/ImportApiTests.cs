using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using PolyakCore.Training;
using PolyakDashboard.Storage;
using static PolyakDashboard.Tests.StoreTestKit;

namespace PolyakDashboard.Tests;

/// <summary>POST /api/runs/import takes what the Runs page takes: a run document, or a zip of them (the export's zip).</summary>
public class ImportApiTests
{
    private static readonly object ShortRun = new { problem = "quadratic", optimizer = "polyak-sgd", batchSize = 100, epochs = 5 };

    private static ByteArrayContent Zip(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        return content;
    }

    private static byte[] ZipOf(params (string Name, string Text)[] files)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, text) in files)
            {
                using var writer = new StreamWriter(zip.CreateEntry(name).Open());
                writer.Write(text);
            }
        return memory.ToArray();
    }

    [Fact]
    public async Task AZipOfExportedRunsImportsEveryRunWithItsRecords()
    {
        await using var source = new DashboardFactory();
        var client = source.CreateClient();
        string[] ids = [await StartAsync(client, ShortRun), await StartAsync(client, new { problem = "quadratic", optimizer = "sgd", batchSize = 100, epochs = 5 })];
        foreach (var id in ids) await WaitAsync(client, id);
        byte[] zip = await client.GetByteArrayAsync($"/api/runs/export?ids={string.Join(",", ids)}&format=json");

        await using var target = new DashboardFactory();
        var targetClient = target.CreateClient();
        var response = await targetClient.PostAsync("/api/runs/import", Zip(zip));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        Assert.Equal("/api/runs", response.Headers.Location?.ToString());
        var runs = JsonDocument.Parse(text).RootElement.GetProperty("runs").EnumerateArray().ToArray();
        Assert.Equal(ids.Order(), runs.Select(r => r.GetProperty("id").GetString()!).Order());
        Assert.All(runs, r => Assert.EndsWith(".json", r.GetProperty("source").GetString()));
        foreach (var id in ids)
        {
            var original = JsonSerializer.Deserialize<RunDocument>(await client.GetStringAsync($"/api/runs/{id}/export"), PolyakJson.Options)!;
            var copy = JsonSerializer.Deserialize<RunDocument>(await targetClient.GetStringAsync($"/api/runs/{id}/export"), PolyakJson.Options)!;
            Assert.Equal(original.Batches!.Select(b => b.Loss), copy.Batches!.Select(b => b.Loss));
            Assert.Equal(original.Run!.Summary!.FinalLoss, copy.Run!.Summary!.FinalLoss);
        }
    }

    [Fact]
    public async Task AZipWithABadDocumentImportsNothingAndNamesTheFileAndField()
    {
        await using var factory = new DashboardFactory();
        var client = factory.CreateClient();
        var id = await StartAsync(client, ShortRun);
        await WaitAsync(client, id);
        string good = await client.GetStringAsync($"/api/runs/{id}/export");
        var document = JsonSerializer.Deserialize<RunDocument>(good, PolyakJson.Options)!;
        string copy = JsonSerializer.Serialize(document with { Run = document.Run! with { Id = "copied-run" } }, PolyakJson.Options);
        string future = JsonSerializer.Serialize(document with { Version = 9 }, PolyakJson.Options);

        var response = await client.PostAsync("/api/runs/import", Zip(ZipOf(("runs/copy.json", copy), ("runs/future.json", future), ("notes.json", "not json"))));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
        Assert.Contains("Version 9", errors.GetProperty("runs/future.json: version")[0].GetString());
        Assert.True(errors.TryGetProperty("notes.json: body", out _), text);
        Assert.False(errors.TryGetProperty("runs/copy.json: body", out _), text);
        Assert.Single(JsonDocument.Parse(await client.GetStringAsync("/api/runs")).RootElement.EnumerateArray());   // copy.json was not imported

        var ok = await client.PostAsync("/api/runs/import", Zip(ZipOf(("runs/copy.json", copy))));
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        Assert.Equal("copied-run", JsonDocument.Parse(await ok.Content.ReadAsStringAsync()).RootElement.GetProperty("runs")[0].GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("csv", "no run documents")]
    [InlineData("garbage", "body")]
    public async Task AZipWithoutRunDocumentsOrNoZipAtAllGets400(string what, string text)
    {
        await using var factory = new DashboardFactory();
        byte[] body = what == "csv" ? ZipOf(("run-1/metrics.csv", "step,loss\n1,2\n")) : Encoding.UTF8.GetBytes("PK not really a zip");
        var response = await factory.CreateClient().PostAsync("/api/runs/import", Zip(body));
        string answer = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, answer);
        Assert.Contains(text, answer);
        Assert.True(JsonDocument.Parse(answer).RootElement.GetProperty("errors").TryGetProperty("body", out _), answer);
    }
}
