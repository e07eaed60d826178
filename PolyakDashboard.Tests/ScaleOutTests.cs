using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using PolyakCore.Training;
using PolyakDashboard.Runs;
using PolyakDashboard.ScaleOut;
using static PolyakDashboard.Tests.StoreTestKit;

namespace PolyakDashboard.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ScaleOutCollection
{
    /// <summary>Alone: its four processes train and serve at once, and must not slow the timing tests of other classes.</summary>
    public const string Name = "scale-out";
}

/// <summary>The scale-out topology end to end, as processes on loopback: Redis (membership and backplane), PostgreSQL
/// (the shared store), two worker silos (<c>-- worker</c>, one run at a time each) and two dashboards with
/// Runs:Engine=orleans. <c>dotnet test --filter ScaleOut</c> runs it alone.</summary>
[Collection(ScaleOutCollection.Name)]
public class ScaleOutTests
{
    private static object Short(int seed) => new { problem = "noisy-linear", optimizer = seed % 2 == 0 ? "sgd" : "polyak-sgd", batchSize = 1, epochs = 2, seed };     // 2000 steps
    private static readonly object Long = new { problem = "noisy-linear", optimizer = "sgd", batchSize = 1, epochs = 2000 };          // 2,000,000 steps

    [SkippableFact]
    public async Task RunsSpreadOverWorkersStreamToEveryInstanceAndSurviveAKilledWorker()
    {
        string redis = TestServices.Redis;
        await using var store = TestStore.Create("postgres");
        string cluster = "polyak-test-" + Guid.NewGuid().ToString("N")[..8];
        string[] common = [$"--Orleans:Redis={redis}", $"--Orleans:ClusterId={cluster}"];

        await using var w1 = AppProcess.Worker("w1", common);
        await using var w2 = AppProcess.Worker("w2", common);
        await Task.WhenAll(w1.Ready, w2.Ready);
        string[] dashboard = [.. common, "--Runs:Engine=orleans", $"--SignalR:Redis={redis}", $"--ConnectionStrings:Runs={store.ConnectionString}",
            "--Runs:MaxConcurrentRuns=8", "--Runs:HistoryPoints=1000000"];
        await using var a = AppProcess.Dashboard([.. dashboard, "--Runs:Instance=dashboard-a"]);
        await using var b = AppProcess.Dashboard([.. dashboard, "--Runs:Instance=dashboard-b"]);
        await Task.WhenAll(a.Ready, b.Ready);
        var workers = new Dictionary<string, AppProcess> { ["w1"] = w1, ["w2"] = w2 };

        // A grid of small runs started on A spreads over both workers.
        var grid = new List<string>();
        for (int seed = 0; seed < 6; seed++) grid.Add(await StartAsync(a.Client, Short(seed)));
        var ran = new List<string>();
        foreach (var id in grid)
        {
            var run = await WaitAsync(a.Client, id, seconds: 120);
            Assert.Equal("completed", run.GetProperty("status").GetString());
            ran.Add(run.GetProperty("worker").GetString()!);
        }
        Assert.Equal(["w1", "w2"], ran.Distinct().Order());

        // A late joiner on B gets a grid run's whole history from the shared store.
        await using (var late = Hub(b))
        {
            await late.StartAsync();
            var snapshots = await late.InvokeAsync<RunSnapshot[]>("Subscribe", new[] { grid[0] });
            Assert.True(snapshots.Length == 1, $"B found no history of {grid[0]}; its output:\n{b.Output}");
            var history = snapshots[0];
            Assert.Equal(Enumerable.Range(1, 2000), history.Batches.Step);
        }

        // A long run started on A, watched on B: every point so far, none missing.
        var longId = await StartAsync(a.Client, Long);
        var longRun = await WaitAsync(a.Client, longId, r => r.TryGetProperty("worker", out var w) && w.ValueKind == JsonValueKind.String && r.GetProperty("step").GetInt32() > 0);
        string longWorker = longRun.GetProperty("worker").GetString()!;
        await using var viewer = Hub(b);
        var steps = new ConcurrentDictionary<int, byte>();
        viewer.On<PointBatch>("points", p => { if (p.RunId == longId) foreach (int s in p.Step) steps.TryAdd(s, 0); });
        await viewer.StartAsync();
        var snapshot = Assert.Single(await viewer.InvokeAsync<RunSnapshot[]>("Subscribe", new[] { longId }));
        foreach (int s in snapshot.Batches.Step) steps.TryAdd(s, 0);

        // A cancel on B of a run B placed on the other worker lands within a second.
        var cancelId = await StartAsync(b.Client, Long);
        await WaitAsync(b.Client, cancelId, r => r.GetProperty("step").GetInt32() > 0);
        var clock = Stopwatch.StartNew();
        await b.Client.DeleteAsync($"/api/runs/{cancelId}");
        var cancelled = await WaitAsync(b.Client, cancelId, seconds: 10);
        clock.Stop();
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"the cancel took {clock.Elapsed.TotalSeconds:F2} s");

        // kill -9 of the long run's worker: the run ends interrupted within 30 s; what B saw has no gap.
        await Task.Delay(1000);
        clock.Restart();
        workers[longWorker].Kill();
        var interrupted = await WaitAsync(a.Client, longId, seconds: 30);
        clock.Stop();
        Assert.Equal("interrupted", interrupted.GetProperty("status").GetString());
        Assert.Equal(string.Format(OrleansEngine.LostMessage, longWorker), interrupted.GetProperty("message").GetString());
        int last = steps.Keys.Max();
        Assert.Equal(Enumerable.Range(1, last), steps.Keys.Order());

        // A worker that joins later takes the runs waiting: the survivor busy with a long run, a short one waits for room
        // (running, no worker yet) until w3 joins.
        string survivor = longWorker == "w1" ? "w2" : "w1";
        var busy = await StartAsync(a.Client, Long);
        Assert.Equal(survivor, (await WaitAsync(a.Client, busy, r => r.TryGetProperty("worker", out var w) && w.ValueKind == JsonValueKind.String))
            .GetProperty("worker").GetString());
        var waiting = await StartAsync(a.Client, Short(9));
        await Task.Delay(1500);
        var before = await WaitAsync(a.Client, waiting, _ => true);
        Assert.True(!before.TryGetProperty("worker", out var placed) || placed.ValueKind == JsonValueKind.Null, $"placed without room: {before}");
        await using var w3 = AppProcess.Worker("w3", common);
        await w3.Ready;
        var joined = await WaitAsync(a.Client, waiting, seconds: 120);
        Assert.Equal("completed", joined.GetProperty("status").GetString());
        Assert.Equal("w3", joined.GetProperty("worker").GetString());
        await a.Client.DeleteAsync($"/api/runs/{busy}");
        Assert.Equal("cancelled", (await WaitAsync(a.Client, busy, seconds: 10)).GetProperty("status").GetString());

        // The rest carries on: runs started after the kill complete on the surviving workers.
        var after = new[] { (a, await StartAsync(a.Client, Short(10))), (b, await StartAsync(b.Client, Short(11))) };
        foreach (var (instance, id) in after)
        {
            var run = await WaitAsync(instance.Client, id, seconds: 120);
            Assert.Equal("completed", run.GetProperty("status").GetString());
            Assert.NotEqual(longWorker, run.GetProperty("worker").GetString());
        }

        // No record of a finished run is lost: counted in PostgreSQL.
        await Task.Delay(1500);       // the dashboards' last writes (every 500 ms)
        var counts = store.RowCounts();
        foreach (var id in grid.Concat(after.Select(x => x.Item2)).Append(waiting)) Assert.Equal((2000L, 3L, 1L, 2000L), counts[id]);
        Assert.True(counts[longId].Batches > 0);
    }

    private static HubConnection Hub(AppProcess dashboard) => new HubConnectionBuilder()
        .WithUrl(new Uri(dashboard.Client.BaseAddress!, TrainingHub.Path))
        .AddJsonProtocol(o => PolyakJson.Configure(o.PayloadSerializerOptions))
        .Build();
}

/// <summary>The app as a process of its own (a worker silo, a dashboard, or the proxy in front of dashboards), ready
/// when its output says so; killed (SIGKILL) at the end if still running.</summary>
internal sealed partial class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AppProcess(string[] args, Regex ready, string assembly = "PolyakDashboard.dll")
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assembly));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        _process = new Process { StartInfo = start };
        void Line(string? line)
        {
            if (line is null) return;
            lock (_output) _output.AppendLine(line);
            if (ready.Match(line) is { Success: true } m) _ready.TrySetResult(m.Groups[1].Value);
        }
        _process.OutputDataReceived += (_, e) => Line(e.Data);
        _process.ErrorDataReceived += (_, e) => Line(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _ = _process.WaitForExitAsync().ContinueWith(_ => _ready.TrySetException(new InvalidOperationException($"It exited.\n{Output}")));
    }

    public static AppProcess Worker(string name, string[] common) => new(
        ["worker", .. common, $"--Worker:Name={name}", "--Worker:RunsAtOnce=1", $"--Worker:SiloPort={FreePort()}",
            $"--Worker:GatewayPort={FreePort()}", "--Worker:Address=127.0.0.1"], WorkerReady());

    public static AppProcess Dashboard(string[] args) => new([.. args, "--urls=http://127.0.0.1:0"], Listening());

    /// <summary>scale-out/PolyakProxy in front of these dashboards (its own process, as in the README).</summary>
    public static AppProcess Proxy(params AppProcess[] dashboards) => new(
        [$"--Proxy:Dashboards={string.Join(' ', dashboards.Select(d => d.Client.BaseAddress))}", "--urls=http://127.0.0.1:0"], Listening(), "PolyakProxy.dll");

    /// <summary>Up (a dashboard: listening, its client set); throws with the output when it exits or takes over 90 s.</summary>
    public Task Ready => ReadyAsync();

    public HttpClient Client { get; private set; } = null!;

    public string Output { get { lock (_output) return _output.ToString(); } }

    private async Task ReadyAsync()
    {
        try
        {
            string what = await _ready.Task.WaitAsync(TimeSpan.FromSeconds(90));
            if (what.StartsWith("http", StringComparison.Ordinal)) Client ??= new HttpClient { BaseAddress = new Uri(what) };
        }
        catch (TimeoutException) { throw new TimeoutException($"Not up within 90 s.\n{Output}"); }
    }

    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited) Kill();
        Client?.Dispose();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"^worker (\S+) ready")]
    private static partial Regex WorkerReady();

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex Listening();
}
