// Capacity of the live hub: N viewers of one streaming run, on one dashboard instance or two behind the Redis
// backplane (viewers split between them, the run started on the first). For each N: delay of each "points" message's
// newest point — receive time − (the record's seconds since the run started + an origin calibrated as the smallest
// such difference of any message; the run's own start time is not the trainer's clock origin) — p50/p95/max; the
// message rate per viewer against the broadcaster's 20 a second (fewer: points coalesced into fewer, larger messages,
// none lost); each instance's CPU (% of one core) and memory (RSS); and the machine's load average.
// --proxy: the viewers reach the instances through scale-out/PolyakProxy (each with a cookie jar of its own, so
// affinity holds), and the proxy's CPU and RSS are reported too. --circuits: each viewer also opens the home page's
// Blazor circuit (page, negotiate, WebSocket, initial render; held open to the end, pinging like a browser), and the
// instances' RSS growth from opening them is reported per circuit.
//
//   dotnet run --project bench/HubCapacity -c Release -- --app PolyakDashboard/bin/Release/net10.0/PolyakDashboard.dll \
//       [--viewers 50,200,500] [--seconds 15] [--instances 1|2 --redis 127.0.0.1:6379 --postgres "Host=…;Database=…"] \
//       [--proxy scale-out/PolyakProxy/bin/Release/net10.0/PolyakProxy.dll] [--circuits]
//
// The viewers run in this process, on the same machine: their CPU is not the servers', but it competes with them.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using PolyakClients;

var options = Args.Parse(args);
Console.WriteLine($"{Environment.ProcessorCount} cores; {options.Instances} instance(s){(options.Proxy is null ? "" : " behind the proxy")}" +
    $"{(options.Circuits ? ", a Blazor circuit per viewer" : "")}; window {options.Seconds} s");
Console.WriteLine(options.Extended
    ? "| instances | viewers | circuits open at the end | messages/s per viewer | delay p50 | p95 | max | server CPU (% of a core) | server RSS | RSS per circuit | proxy CPU | proxy RSS | load avg |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    : "| instances | viewers | messages/s per viewer | delay p50 | p95 | max | server CPU (% of a core) | server RSS | load avg |\n|---|---|---|---|---|---|---|---|---|");
foreach (int viewers in options.Viewers)
{
    var servers = new List<Server>();
    Server? proxy = null;
    try
    {
        for (int i = 0; i < options.Instances; i++) servers.Add(await Server.StartAsync(options, i));
        if (options.Proxy is { } dll) proxy = await Server.StartProxyAsync(dll, servers);
        Console.WriteLine(await Measure.RunAsync(options, servers, proxy, viewers));
    }
    finally
    {
        proxy?.Dispose();
        foreach (var s in servers) s.Dispose();
    }
}

sealed record Args(string App, int[] Viewers, int Seconds, int Instances, string? Redis, string? Postgres, string? Proxy, bool Circuits)
{
    /// <summary>The table with the circuit and proxy columns.</summary>
    public bool Extended => Proxy is not null || Circuits;

    public static Args Parse(string[] a)
    {
        string? Get(string name) { int i = Array.IndexOf(a, name); return i >= 0 && i + 1 < a.Length ? a[i + 1] : null; }
        var app = Get("--app") ?? throw new ArgumentException("--app PolyakDashboard.dll is required");
        int instances = int.Parse(Get("--instances") ?? "1");
        if (instances > 1 && (Get("--redis") is null || Get("--postgres") is null)) throw new ArgumentException("two instances need --redis and --postgres");
        return new(Path.GetFullPath(app), [.. (Get("--viewers") ?? "50,200,500").Split(',').Select(int.Parse)],
            int.Parse(Get("--seconds") ?? "15"), instances, Get("--redis"), Get("--postgres"),
            Get("--proxy") is { } proxy ? Path.GetFullPath(proxy) : null, a.Contains("--circuits"));
    }
}

sealed partial class Server : IDisposable
{
    public required Process Process { get; init; }
    public required Uri Url { get; init; }

    public static Task<Server> StartAsync(Args options, int index)
    {
        string folder = Directory.CreateTempSubdirectory("polyak-capacity-").FullName;
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Runs"] = options.Postgres ?? $"Data Source={Path.Combine(folder, "runs.db")}",
            ["Runs__Instance"] = $"capacity-{index}",
            ["SignalR__Redis"] = options.Instances > 1 ? options.Redis : null,
        };
        return StartAsync(options.App, [], environment);
    }

    /// <summary>scale-out/PolyakProxy in front of the instances.</summary>
    public static Task<Server> StartProxyAsync(string dll, IEnumerable<Server> dashboards) =>
        StartAsync(dll, [$"--Proxy:Dashboards={string.Join(' ', dashboards.Select(d => d.Url))}"], new Dictionary<string, string?>());

    private static async Task<Server> StartAsync(string dll, string[] args, Dictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.ArgumentList.Add("--urls=http://127.0.0.1:0");
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        foreach (var (name, value) in environment) if (value is not null) start.Environment[name] = value;
        var process = Process.Start(start)!;
        var url = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) => { if (e.Data is { } l && Listening().Match(l) is { Success: true } m) url.TrySetResult(new Uri(m.Groups[1].Value)); };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new Server { Process = process, Url = await url.Task.WaitAsync(TimeSpan.FromSeconds(60)) };
    }

    /// <summary>CPU seconds so far (user + system, from /proc).</summary>
    public double CpuSeconds()
    {
        var fields = File.ReadAllText($"/proc/{Process.Id}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0;     // utime, stime in clock ticks (100 Hz)
    }

    public double RssMegabytes()
    {
        var line = File.ReadLines($"/proc/{Process.Id}/status").First(l => l.StartsWith("VmRSS:"));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
    }

    public void Dispose()
    {
        try { Process.Kill(entireProcessTree: true); Process.WaitForExit(); } catch (InvalidOperationException) { }
        Process.Dispose();
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex Listening();
}

sealed record Points(string RunId, int[] Step, double[] Seconds);

static class Measure
{
    public static async Task<string> RunAsync(Args options, List<Server> servers, Server? proxy, int viewers)
    {
        using var http = new HttpClient { BaseAddress = servers[0].Url };
        var started = await http.PostAsJsonAsync("/api/runs", new { problem = "noisy-linear", optimizer = "sgd", batchSize = 1, epochs = 2000 });
        string id = JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        DateTimeOffset runStart;
        while (true)
        {
            var run = JsonDocument.Parse(await http.GetStringAsync($"/api/runs/{id}")).RootElement;
            if (run.GetProperty("startedAt").ValueKind == JsonValueKind.String) { runStart = run.GetProperty("startedAt").GetDateTimeOffset(); break; }
            await Task.Delay(20);
        }

        var arrivals = new ConcurrentBag<double>();      // receive time − newest point's seconds, ms
        int received = 0;
        bool measuring = false;
        var connections = new List<HubConnection>();
        var jars = new List<CookieContainer>();        // each viewer's cookies: the proxy's affinity keeps its hub and circuit together
        for (int v = 0; v < viewers; v++)
        {
            var server = proxy ?? servers[v % servers.Count];
            var jar = new CookieContainer();
            jars.Add(jar);
            var hub = new HubConnectionBuilder()
                .WithUrl(new Uri(server.Url, "/hubs/training"), o => { o.Transports = HttpTransportType.WebSockets; o.SkipNegotiation = true; o.Cookies = jar; })
                .Build();
            hub.On<Points>("points", p =>
            {
                if (!Volatile.Read(ref measuring) || p.Seconds.Length == 0) return;
                arrivals.Add((DateTimeOffset.UtcNow - runStart).TotalMilliseconds - 1000 * p.Seconds[^1]);
                Interlocked.Increment(ref received);
            });
            connections.Add(hub);
        }
        // Connect and subscribe a few at a time (a room's laptops do not all arrive in the same millisecond).
        foreach (var batch in connections.Chunk(25))
            await Task.WhenAll(batch.Select(async h => { await h.StartAsync(); await h.InvokeAsync<JsonElement>("Subscribe", new[] { id }); }));
        await Task.Delay(3000);                                          // settle

        // Each viewer's page: its circuit on the instance its hub went to (the proxy's cookie), opened a few at a time.
        // RSS per circuit is the growth from opening them, after one warm-up circuit per instance (its first costs once).
        var circuits = new ConcurrentBag<BlazorCircuit>();
        var warmUp = new List<BlazorCircuit>();
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        if (options.Circuits)
            foreach (var server in servers) warmUp.Add(await BlazorCircuit.OpenAsync(new Uri(server.Url, "/"), new CookieContainer(), patience.Token));
        var rssBefore = servers.Select(s => s.RssMegabytes()).ToArray();
        if (options.Circuits)
        {
            for (int v = 0; v < viewers; v += 25)
                await Task.WhenAll(Enumerable.Range(v, Math.Min(25, viewers - v)).Select(async i =>
                {
                    var page = new Uri(proxy?.Url ?? servers[i % servers.Count].Url, "/");
                    try { circuits.Add(await BlazorCircuit.OpenAsync(page, jars[i], patience.Token)); }
                    catch (Exception e) when (e is not OutOfMemoryException) { Console.Error.WriteLine($"circuit {i}: {e.Message}"); }
                }));
            await Task.Delay(3000);
        }
        double rssPerCircuit = circuits.IsEmpty ? double.NaN : (servers.Sum(s => s.RssMegabytes()) - rssBefore.Sum()) / circuits.Count;

        var cpu0 = servers.Select(s => s.CpuSeconds()).ToArray();
        double proxyCpu0 = proxy?.CpuSeconds() ?? 0;
        var clock = Stopwatch.StartNew();
        Volatile.Write(ref measuring, true);
        await Task.Delay(TimeSpan.FromSeconds(options.Seconds));
        Volatile.Write(ref measuring, false);
        double elapsed = clock.Elapsed.TotalSeconds;
        var cpu = servers.Select((s, i) => 100 * (s.CpuSeconds() - cpu0[i]) / elapsed).ToArray();
        var rss = servers.Select(s => s.RssMegabytes()).ToArray();
        double proxyCpu = proxy is null ? double.NaN : 100 * (proxy.CpuSeconds() - proxyCpu0) / elapsed;
        double proxyRss = proxy?.RssMegabytes() ?? double.NaN;
        // Messages each viewer should have had: one per broadcast tick with new points (20 a second at 50 ms).
        double rate = received / elapsed / viewers;
        string load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        await http.DeleteAsync($"/api/runs/{id}");
        int open = circuits.Count(c => c.IsAlive);        // still open at the end of the window
        foreach (var failure in circuits.Select(c => c.Failure).OfType<string>().Distinct().Take(3)) Console.Error.WriteLine($"a circuit ended: {failure}");
        await Task.WhenAll(connections.Select(c => c.DisposeAsync().AsTask()).Concat(circuits.Concat(warmUp).Select(c => c.DisposeAsync().AsTask())));

        var sorted = arrivals.Order().ToArray();
        if (sorted.Length > 0) sorted = [.. sorted.Select(x => x - sorted[0])];
        double P(double q) => sorted.Length == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Length - 1, q * sorted.Length)];
        string delays = $"{rate:F1} | {P(0.5):F0} ms | {P(0.95):F0} ms | {(sorted.Length > 0 ? sorted[^1] : double.NaN):F0} ms | " +
                        $"{string.Join(" + ", cpu.Select(c => c.ToString("F0")))} % | {string.Join(" + ", rss.Select(r => r.ToString("F0")))} MB";
        if (!options.Extended) return $"| {servers.Count} | {viewers} | {delays} | {load} |";
        return $"| {servers.Count}{(proxy is null ? "" : " (proxy)")} | {viewers} | {(options.Circuits ? open.ToString() : "–")} | {delays} | " +
               $"{(options.Circuits ? rssPerCircuit.ToString("F2") + " MB" : "–")} | {(proxy is null ? "–" : $"{proxyCpu:F0} %")} | {(proxy is null ? "–" : $"{proxyRss:F0} MB")} | {load} |";
    }
}
