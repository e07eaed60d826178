using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using PolyakCore.Training;
using PolyakDashboard.Runs;
using static PolyakDashboard.Tests.StoreTestKit;

namespace PolyakDashboard.Tests;

/// <summary>Two dashboard instances in one process, sharing a PostgreSQL store and a Redis backplane (SignalR:Redis):
/// a viewer on B sees a run started on A point for point, a late joiner on B gets its history, and B follows the
/// presenter on A. Its cancel is timed, so the class runs alone (<see cref="CancelLatencyTests"/>).</summary>
[Collection(CancelLatencyTests.Name)]
public class BackplaneTests
{
    private static Dictionary<string, string> Instance(string name) => new()
    {
        ["SignalR:Redis"] = TestServices.Redis, ["Runs:Instance"] = name,
        ["Runs:HistoryPoints"] = "100000",        // a late joiner's history undecimated: every step can be counted
    };

    private static HubConnection Hub(DashboardFactory factory) => new HubConnectionBuilder()
        .WithUrl(new Uri(factory.Server.BaseAddress, TrainingHub.Path), o => o.HttpMessageHandlerFactory = _ => factory.Server.CreateHandler())
        .AddJsonProtocol(o => PolyakJson.Configure(o.PayloadSerializerOptions))
        .Build();

    [SkippableFact]
    public async Task AViewerOnInstanceBGetsEveryPointOfARunStartedOnInstanceA()
    {
        var settingsA = Instance("dashboard-a");
        await using var store = TestStore.Create("postgres");
        await using var a = store.Factory(settingsA);
        await using var b = store.Factory(Instance("dashboard-b"));
        var clientA = a.CreateClient();
        b.CreateClient();

        await using var viewer = Hub(b);
        var steps = new ConcurrentDictionary<int, byte>();
        var finished = new TaskCompletionSource<StatusUpdate>(TaskCreationOptions.RunContinuationsAsynchronously);
        viewer.On<PointBatch>("points", p => { foreach (int s in p.Step) steps.TryAdd(s, 0); });
        viewer.On<StatusUpdate>("status", u => { if (u.Status is not (RunStatus.Queued or RunStatus.Running)) finished.TrySetResult(u); });
        await viewer.StartAsync();

        // 3000 steps; the viewer joins on B while A trains it, so its first points come from the store's history.
        var id = await StartAsync(clientA, new { problem = "noisy-linear", optimizer = "polyak-sgd", batchSize = 1, epochs = 3, seed = 5 });
        await WaitAsync(clientA, id, r => r.GetProperty("step").GetInt32() > 0);
        var snapshot = Assert.Single(await viewer.InvokeAsync<RunSnapshot[]>("Subscribe", new[] { id }));
        foreach (int s in snapshot.Batches.Step) steps.TryAdd(s, 0);
        var end = await finished.Task.WaitAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(RunStatus.Completed, end.Status);
        Assert.Equal(3000, end.Step);
        Assert.Equal(Enumerable.Range(1, 3000), steps.Keys.Order());     // every point, none missing

        // A late joiner on B gets the whole history from the shared store.
        await using var late = Hub(b);
        await late.StartAsync();
        var history = Assert.Single(await late.InvokeAsync<RunSnapshot[]>("Subscribe", new[] { id }));
        Assert.Equal(RunStatus.Completed, history.Status);
        Assert.Equal(Enumerable.Range(1, 3000), history.Batches.Step);
    }

    [SkippableFact]
    public async Task TheApiOnInstanceBShowsAndCancelsARunInstanceATrains()
    {
        await using var store = TestStore.Create("postgres");
        await using var a = store.Factory(Instance("dashboard-a"));
        await using var b = store.Factory(Instance("dashboard-b"));
        var clientA = a.CreateClient();
        var clientB = b.CreateClient();
        await Task.Delay(500);      // the instances' Redis subscriptions are made as they start

        var id = await StartAsync(clientA, new { problem = "noisy-linear", optimizer = "sgd", batchSize = 1, epochs = 200, seed = 3 });
        await WaitAsync(clientA, id, r => r.GetProperty("step").GetInt32() > 0);
        // B reads it from the shared store as far as A has written it (its row lands within about half a second).
        var deadline = DateTime.UtcNow.AddSeconds(10);
        HttpResponseMessage onB;
        while ((onB = await clientB.GetAsync($"/api/runs/{id}")).StatusCode == System.Net.HttpStatusCode.NotFound && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.Equal(System.Net.HttpStatusCode.OK, onB.StatusCode);
        using (var body = System.Text.Json.JsonDocument.Parse(await onB.Content.ReadAsStringAsync()))
            Assert.Equal("running", body.RootElement.GetProperty("status").GetString());

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var cancel = await clientB.DeleteAsync($"/api/runs/{id}");
        Assert.Equal(System.Net.HttpStatusCode.Accepted, cancel.StatusCode);
        var end = await WaitAsync(clientA, id, r => r.GetProperty("status").GetString() != "running", seconds: 10);
        Assert.Equal("cancelled", end.GetProperty("status").GetString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), $"the cancel took {clock.Elapsed.TotalSeconds:F2} s to land");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await clientB.DeleteAsync("/api/runs/no-such-run")).StatusCode);
    }

    [SkippableFact]
    public async Task FollowersOnInstanceBFollowThePresenterOnInstanceA()
    {
        await using var store = TestStore.Create("postgres");
        await using var a = store.Factory(Instance("dashboard-a"));
        await using var b = store.Factory(Instance("dashboard-b"));
        a.CreateClient();
        b.CreateClient();
        await using var follower = Hub(b);
        var moves = new TaskCompletionSource<PresenterLocation>(TaskCreationOptions.RunContinuationsAsynchronously);
        follower.On<PresenterLocation>("presenter", l => moves.TrySetResult(l));
        await follower.StartAsync();
        Assert.Null(await follower.InvokeAsync<PresenterLocation?>("FollowPresenter"));

        var circuitsOnB = new TaskCompletionSource<PresenterLocation>(TaskCreationOptions.RunContinuationsAsynchronously);
        var presenceB = b.Services.GetRequiredService<PresenterPresence>();
        presenceB.Moved += l => circuitsOnB.TrySetResult(l);
        await Task.Delay(500);      // the instances' Redis subscriptions are made as they start
        a.Services.GetRequiredService<PresenterPresence>().Show("/explorer?x=-2&y=4", null);

        Assert.Equal("/explorer?x=-2&y=4", (await moves.Task.WaitAsync(TimeSpan.FromSeconds(10))).Path);          // hub followers
        Assert.Equal("/explorer?x=-2&y=4", (await circuitsOnB.Task.WaitAsync(TimeSpan.FromSeconds(10))).Path);    // B's circuits
        Assert.Equal("/explorer?x=-2&y=4", presenceB.Current?.Path);
    }
}
