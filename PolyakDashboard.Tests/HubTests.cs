using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using PolyakDashboard.Runs;

namespace PolyakDashboard.Tests;

public class HubTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    [Fact]
    public async Task SubscriberReceivesEveryPointAndTheFinalStatus()
    {
        var client = factory.CreateClient();
        await using var hub = Connect();
        var steps = new ConcurrentBag<int>();
        var done = new TaskCompletionSource<StatusUpdate>();
        hub.On<PointBatch>("points", p => { foreach (var s in p.Step) steps.Add(s); });
        hub.On<StatusUpdate>("status", s => { if (s.Status is not (PolyakCore.Training.RunStatus.Queued or PolyakCore.Training.RunStatus.Running)) done.TrySetResult(s); });
        await hub.StartAsync();

        // Two epochs of 1000 steps: long enough that we subscribe while it runs.
        var response = await client.PostAsJsonAsync("/api/runs", new { problem = "noisy-linear", optimizer = "sgd", batchSize = 1, epochs = 2 });
        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        var snapshots = await hub.InvokeAsync<RunSnapshot[]>("Subscribe", new[] { id });
        var snapshot = Assert.Single(snapshots);
        Assert.Equal(id, snapshot.RunId);
        foreach (var s in snapshot.Batches.Step) steps.Add(s);

        var final = await done.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(PolyakCore.Training.RunStatus.Completed, final.Status);
        Assert.Equal(2000, final.Step);
        // The snapshot is decimated, so a late joiner may miss early points, but never the live ones after it.
        var seen = steps.Distinct().Order().ToArray();
        int from = snapshot.Step;
        Assert.Equal(Enumerable.Range(from + 1, 2000 - from), seen.Where(s => s > from));
    }

    [Fact]
    public async Task LateJoinerGetsTheWholeCurveDecimated()
    {
        var client = factory.CreateClient();
        var response = await client.PostAsJsonAsync("/api/runs", new { problem = "quadratic", batchSize = 1, epochs = 5 });
        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        var runs = factory.Services.GetRequiredService<RunService>();
        while (!runs.Get(id)!.IsFinished) await Task.Delay(50);

        await using var hub = Connect();
        await hub.StartAsync();
        var snapshot = Assert.Single(await hub.InvokeAsync<RunSnapshot[]>("Subscribe", new[] { id }));
        Assert.Equal(5000, snapshot.Step);
        Assert.InRange(snapshot.Batches.Step.Length, 500, 2100);          // 5000 points decimated to about 2000
        Assert.Equal(1, snapshot.Batches.Step[0]);
        Assert.Equal(5000, snapshot.Batches.Step[^1]);
        Assert.Equal(runs.Get(id)!.Batches().Max(b => b.Loss), snapshot.Batches.Loss.Max());   // spikes survive
        Assert.Equal(6, snapshot.Epochs.Epoch.Length);
    }

    [Fact]
    public async Task TwoViewersSeeTheSamePointsAndClosingOneDoesNotStopTheRun()
    {
        var client = factory.CreateClient();
        // Long enough (tens of thousands of steps) that the viewers join while it runs, also on a slow, loaded machine.
        const int epochs = 30;
        var response = await client.PostAsJsonAsync("/api/runs", new { problem = "noisy-linear", optimizer = "sgd", batchSize = 1, epochs });
        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;

        async Task<(HubConnection Hub, ConcurrentDictionary<int, double> Losses, TaskCompletionSource Done)> ViewerAsync()
        {
            var hub = Connect();
            var losses = new ConcurrentDictionary<int, double>();
            var done = new TaskCompletionSource();
            hub.On<PointBatch>("points", p => { for (int i = 0; i < p.Step.Length; i++) losses[p.Step[i]] = p.Loss[i]; });
            hub.On<StatusUpdate>("status", s => { if (s.Status == PolyakCore.Training.RunStatus.Completed) done.TrySetResult(); });
            await hub.StartAsync();
            var snapshot = (await hub.InvokeAsync<RunSnapshot[]>("Subscribe", new[] { id }))[0];
            for (int i = 0; i < snapshot.Batches.Step.Length; i++) losses[snapshot.Batches.Step[i]] = snapshot.Batches.Loss[i];
            if (snapshot.Status == PolyakCore.Training.RunStatus.Completed) done.TrySetResult();   // it ended before this viewer came
            return (hub, losses, done);
        }

        var first = await ViewerAsync();
        var second = await ViewerAsync();
        var quitter = await ViewerAsync();
        var runs = factory.Services.GetRequiredService<RunService>();
        bool runningWhenOneLeft = !runs.Get(id)!.IsFinished;
        await quitter.Hub.DisposeAsync();   // a student closes the tab

        await Task.WhenAll(first.Done.Task, second.Done.Task).WaitAsync(TimeSpan.FromSeconds(60));
        var run = runs.Get(id)!;
        Assert.True(runningWhenOneLeft, "the run ended before a viewer left: nothing was tested");
        Assert.Equal(epochs * 1000, run.Step);
        // Whatever both saw live, they saw identically (snapshots are decimated, live points are not).
        var common = first.Losses.Keys.Intersect(second.Losses.Keys).ToArray();
        Assert.True(common.Length > 1000, $"only {common.Length} common points");
        Assert.All(common, step => Assert.Equal(first.Losses[step], second.Losses[step]));
        Assert.All(common, step => Assert.Equal(run.Batches()[step - 1].Loss, first.Losses[step]));
        await first.Hub.DisposeAsync();
        await second.Hub.DisposeAsync();
    }

    private HubConnection Connect() => new HubConnectionBuilder()
        .WithUrl(new Uri(factory.Server.BaseAddress, TrainingHub.Path), o => o.HttpMessageHandlerFactory = _ => factory.Server.CreateHandler())
        .AddJsonProtocol(o => PolyakJson.Configure(o.PayloadSerializerOptions))
        .Build();
}
