using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using PolyakCore.Training;
using PolyakDashboard.Runs;
using Xunit.Abstractions;

namespace PolyakDashboard.Tests;

/// <summary>A lecture's worth of viewers on one streaming run, over real WebSockets on loopback.</summary>
/// <remarks>POLYAK_VIEWERS and POLYAK_LOAD_EPOCHS scale it up for a benchmark (defaults 50 and 10: 10,000 points).
/// It runs alone (its own collection, not in parallel): fifty clients in this process would starve other tests' threads.</remarks>
[Collection(Name)]
public class LoadTests(ITestOutputHelper output)
{
    public const string Name = "Load";

    private static int Env(string name, int fallback) => int.TryParse(Environment.GetEnvironmentVariable(name), out var v) && v > 0 ? v : fallback;

    [Fact]
    public async Task FiftyViewersEachReceiveEveryPointAndServerMemoryStaysBounded()
    {
        int viewers = Env("POLYAK_VIEWERS", 50), epochs = Env("POLYAK_LOAD_EPOCHS", 10), steps = epochs * 1000;
        await using var app = new DashboardFactory { Settings = new Dictionary<string, string> { ["Runs:MaxConcurrentRuns"] = "1" } };
        app.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        app.StartServer();
        var baseUrl = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var client = app.CreateClient();
        var runs = app.Services.GetRequiredService<RunService>();

        // A blocker holds the only worker, so the watched run waits in the queue until every viewer is subscribed
        // and each one must receive all of its points live.
        string blocker = await StartAsync(client, new { problem = "noisy-linear", optimizer = "sgd", batchSize = 1, epochs = 2000 });
        while (runs.Get(blocker)!.Status != RunStatus.Running) await Task.Delay(10);
        string id = await StartAsync(client, new { problem = "noisy-linear", optimizer = "sgd", batchSize = 1, epochs });

        long before = ManagedMemory();
        var audience = new List<Viewer>();
        try
        {
            for (int i = 0; i < viewers; i++) audience.Add(await Viewer.ConnectAsync(baseUrl, id, steps));
            long connected = ManagedMemory();
            long peak = connected;
            var clock = Stopwatch.StartNew();
            Assert.Equal(System.Net.HttpStatusCode.Accepted, (await client.DeleteAsync($"/api/runs/{blocker}")).StatusCode);
            var all = Task.WhenAll(audience.Select(v => v.Done.Task));
            while (!all.IsCompleted)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(false));
                await Task.WhenAny(all, Task.Delay(100));
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(120), $"after 2 minutes {audience.Count(v => v.Done.Task.IsCompleted)} of {viewers} viewers have the end");
            }
            await all;
            var run = runs.Get(id)!;
            double trained = (run.FinishedAt!.Value - run.StartedAt!.Value).TotalSeconds;
            double delivered = clock.Elapsed.TotalSeconds;
            double lastBehind = audience.Max(v => (v.FinishedAt - run.FinishedAt.Value).TotalMilliseconds);

            var stored = run.Batches();
            Assert.Equal(steps, stored.Length);
            foreach (var viewer in audience)
            {
                Assert.Equal(steps, viewer.Received);
                for (int s = 0; s < steps; s++) Assert.Equal(stored[s].Loss, viewer.Losses[stored[s].Step]);
            }

            foreach (var viewer in audience) await viewer.DisposeAsync();
            audience.Clear();
            await Task.Delay(500);       // let the server drop the connections
            long after = ManagedMemory();
            output.WriteLine($"{viewers} viewers × {steps:N0} points: run trained in {trained:F2} s; every viewer had every point " +
                $"{delivered:F2} s after the run left the queue, the last {lastBehind:F0} ms after the run ended.");
            output.WriteLine($"managed heap: {Mb(before)} before, {Mb(connected)} with {viewers} connected, peak {Mb(peak)} streaming, {Mb(after)} after they left " +
                $"(process working set {Mb(Process.GetCurrentProcess().WorkingSet64)}).");
            Assert.True(after - before < 64L << 20, $"the heap grew by {Mb(after - before)}");
            Assert.True(lastBehind < 5000, $"the last viewer got the end {lastBehind:F0} ms late");
        }
        finally
        {
            foreach (var viewer in audience) await viewer.DisposeAsync();
            await client.DeleteAsync($"/api/runs/{blocker}");
        }
    }

    private static long ManagedMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(true);
    }

    private static string Mb(long bytes) => $"{bytes / 1048576.0:F1} MB";

    private static async Task<string> StartAsync(HttpClient client, object request)
    {
        var response = await client.PostAsJsonAsync("/api/runs", request);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>One student's browser: a hub connection that keeps every point of one run, by step.</summary>
    private sealed class Viewer : IAsyncDisposable
    {
        private readonly HubConnection _hub;
        private int _received;

        private Viewer(HubConnection hub, int steps)
        {
            _hub = hub;
            Losses = new double[steps + 1];
            Array.Fill(Losses, double.NaN);
        }

        public double[] Losses { get; }
        public int Received => Volatile.Read(ref _received);
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public DateTimeOffset FinishedAt { get; private set; }

        public static async Task<Viewer> ConnectAsync(Uri baseUrl, string runId, int steps)
        {
            var hub = new HubConnectionBuilder()
                .WithUrl(new Uri(baseUrl, TrainingHub.Path), HttpTransportType.WebSockets)
                .AddJsonProtocol(o => PolyakJson.Configure(o.PayloadSerializerOptions))
                .Build();
            var viewer = new Viewer(hub, steps);
            hub.On<PointBatch>("points", p =>
            {
                for (int i = 0; i < p.Step.Length; i++)
                    if (double.IsNaN(viewer.Losses[p.Step[i]])) { viewer.Losses[p.Step[i]] = p.Loss[i]; Interlocked.Increment(ref viewer._received); }
            });
            hub.On<StatusUpdate>("status", s =>
            {
                if (s.Status is RunStatus.Queued or RunStatus.Running) return;
                viewer.FinishedAt = DateTimeOffset.UtcNow;
                viewer.Done.TrySetResult();
            });
            await hub.StartAsync();
            var snapshot = Assert.Single(await hub.InvokeAsync<RunSnapshot[]>("Subscribe", new[] { runId }));
            Assert.Empty(snapshot.Batches.Step);     // still queued: everything will come live
            return viewer;
        }

        public async ValueTask DisposeAsync()
        {
            try { await _hub.DisposeAsync(); } catch (ObjectDisposedException) { }
        }
    }
}

[CollectionDefinition(LoadTests.Name, DisableParallelization = true)]
public sealed class LoadCollection;
