using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace PolyakDashboard.Tests;

/// <summary>How fast a cancel lands, measured alone (a collection that does not run in parallel with others): the
/// promise is about the app on its machine, and other test classes computing at the same time on a 2-core CI box once made
/// a libtorch pass of the report's model take over two seconds (a pass cannot be interrupted; a cancel waits for it).</summary>
[Collection(Name)]
public class CancelLatencyTests(DashboardFactory app) : IClassFixture<DashboardFactory>
{
    public const string Name = "Timed";
    private const string Run = "/api/runs";

    /// <summary>A cancel lands within a second at the worst legal sizes: in the first evaluation (the report's model
    /// with about the longest context it may have, 384, and 200 evaluation batches) and inside a training step (batch 512 ×
    /// 1,024 characters: about 40 s of CPU in one step before passes were split). Before, both took minutes.</summary>
    [Theory]
    [InlineData("evaluation", "report", 200, 384)]
    [InlineData("step", "tiny", 1, 1024)]
    public async Task ACancelLandsWithinASecondAtTheWorstLegalSizes(string phase, string preset, int evalBatches, int block)
    {
        var client = app.CreateClient();
        var started = await client.PostAsJsonAsync(Run, new
        {
            problem = "child-speech", optimizer = "sgd", batchSize = 512, epochs = 1, seed = 0,
            problemOptions = new { text = new { preset, block, evalBatches, saveCheckpoints = false } },
        });
        Assert.True(started.StatusCode == HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
        string id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        async Task<string> Status() => (await client.GetFromJsonAsync<JsonElement>($"{Run}/{id}")).GetProperty("status").GetString()!;
        while (await Status() == "queued") await Task.Delay(20);
        if (phase == "step")      // past the first evaluation (epoch 0's record), into the first step
            while ((await client.GetFromJsonAsync<JsonElement>($"{Run}/{id}/metrics")).GetProperty("epochs").GetArrayLength() == 0) await Task.Delay(50);
        await Task.Delay(1500);
        Assert.Equal("running", await Status());

        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.Accepted, (await client.DeleteAsync($"{Run}/{id}")).StatusCode);
        string status;
        while ((status = await Status()) == "running" && clock.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(20);
        var waited = clock.Elapsed;
        Assert.Equal("cancelled", status);
        Assert.True(waited < TimeSpan.FromSeconds(1), $"{phase}: the cancel took {waited.TotalSeconds:F2} s");
    }
}

[CollectionDefinition(CancelLatencyTests.Name, DisableParallelization = true)]
public sealed class TimedCollection;
