using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using PolyakClients;
using PolyakDashboard.Runs;
using PolyakDashboard.Security;
using Xunit.Abstractions;
using static PolyakDashboard.Tests.StoreTestKit;

namespace PolyakDashboard.Tests;

/// <summary>scale-out/PolyakProxy (YARP, cookie session affinity) as one address in front of two dashboard processes on
/// Redis + PostgreSQL, over loopback; runs train in the dashboards (the proxy changes nothing about workers).
/// <c>dotnet test --filter ScaleOut</c> runs it with <see cref="ScaleOutTests"/>, alone.</summary>
[Collection(ScaleOutCollection.Name)]
public class ScaleOutProxyTests(ITestOutputHelper output)
{
    private const string Key = "proxy-test-key";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static object Short(int seed) => new { problem = "noisy-linear", optimizer = "sgd", batchSize = 1, epochs = 2, seed };     // 2000 steps
    private static readonly object Watched = new { problem = "noisy-linear", optimizer = "polyak-sgd", batchSize = 1, epochs = 5 };      // 5000 steps
    private static readonly object Long = new { problem = "noisy-linear", optimizer = "sgd", batchSize = 1, epochs = 2000 };

    [SkippableFact]
    public async Task ABrowserBehindTheProxyStaysOnOneInstanceKeepsItsCircuitAndSeesAndStopsTheOtherInstancesRuns()
    {
        string redis = TestServices.Redis;
        await using var store = TestStore.Create("postgres");
        string[] settings = [$"--SignalR:Redis={redis}", $"--ConnectionStrings:Runs={store.ConnectionString}", $"--Presenter:Key={Key}", "--Runs:HistoryPoints=1000000",
            "--Security:Proxies:0=127.0.0.1"];
        await using var a = AppProcess.Dashboard([.. settings, "--Runs:Instance=dashboard-a"]);
        await using var b = AppProcess.Dashboard([.. settings, "--Runs:Instance=dashboard-b"]);
        await Task.WhenAll(a.Ready, b.Ready);
        await using var proxy = AppProcess.Proxy(a, b);
        await proxy.Ready;
        var room = proxy.Client.BaseAddress!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));

        // Affinity: a browser keeping the proxy's cookie has every request served by one instance. Its runs' rows name
        // that instance (the store's own record of who wrote them), and polling them while they train never reaches the
        // other instance (which answers 404 for a live run it does not train).
        var cookies = new CookieContainer();
        using var browser = Browser(room, cookies);
        (await browser.GetAsync("/")).EnsureSuccessStatusCode();
        Assert.Contains(cookies.GetCookies(room), c => c.Name == PolyakProxy.ProxyApp.AffinityCookie);
        var mine = new List<string>();
        for (int seed = 0; seed < 4; seed++) mine.Add(await StartAsync(browser, Short(seed)));
        foreach (var id in mine) Assert.Equal("completed", (await WaitAsync(browser, id, seconds: 120)).GetProperty("status").GetString());
        string home = Assert.Single((await WrittenAsync(store, mine)).Values.Distinct());
        var other = home == "dashboard-a" ? b : a;

        // The control: without the cookie each request goes to the next instance, and the starts spread over both.
        using var forgetful = Browser(room, cookies: null);
        var spread = new List<string>();
        for (int seed = 10; seed < 14; seed++) spread.Add(await StartAsync(forgetful, Short(seed)));
        Assert.Equal(["dashboard-a", "dashboard-b"], (await WrittenAsync(store, spread)).Values.Distinct().Order());

        // The guard holds through the proxy: the browser's Host is what the dashboards see (another name is refused),
        // and another site's page can neither change anything nor open a live connection.
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(room, HttpMethod.Get, "/api/runs", host: "evil.example")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(room, HttpMethod.Post, "/api/runs", origin: "http://evil.example", body: Short(0))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(room, HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1", origin: "http://evil.example")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(room, HttpMethod.Post, "/hubs/training/negotiate?negotiateVersion=1", origin: "http://evil.example")).StatusCode);

        // A Blazor circuit's connection: negotiate on /_blazor, then its WebSocket (and SignalR's handshake), ten times
        // over, each time on the instance that negotiated it while the cookie goes along...
        for (int i = 0; i < 10; i++) await (await BlazorCircuit.ConnectAsync(room, cookies, timeout.Token)).DisposeAsync();
        // ...and without it (the control), the WebSocket goes to the next instance, which never negotiated it.
        var refused = new List<string>();
        for (int i = 0; i < 10; i++)
        {
            try { await (await BlazorCircuit.ConnectAsync(room, cookies: null, timeout.Token)).DisposeAsync(); }
            catch (WebSocketException e) { refused.Add(e.Message); }
        }
        Assert.True(refused.Count > 0, "without the affinity cookie every circuit still connected: the control shows nothing");
        Assert.All(refused, message => Assert.Contains("404", message));
        output.WriteLine($"without the cookie {refused.Count} of 10 circuit connections were refused");
        // A whole circuit through the proxy: the page, its root components added, the server's first render, and alive after.
        await using (var circuit = await BlazorCircuit.OpenAsync(new Uri(room, "/"), cookies, timeout.Token))
        {
            Assert.True(circuit.RenderBatches > 0);
            await Task.Delay(TimeSpan.FromSeconds(2));         // the page's JS calls answered (null), the circuit lives on
            Assert.True(circuit.IsAlive, circuit.Failure);
            output.WriteLine($"a whole circuit: {circuit.RenderBatches} render batch(es) on connecting");
        }

        // A hub client behind the proxy (on its home instance) gets every point of a run the other instance trains.
        other.Client.DefaultRequestHeaders.Add(Presenter.Header, Key);
        await using var viewer = Hub(room, cookies);
        string watched = await StartAsync(other.Client, Watched);
        var steps = new ConcurrentDictionary<int, byte>();
        viewer.On<PointBatch>("points", p => { if (p.RunId == watched) foreach (int s in p.Step) steps.TryAdd(s, 0); });
        await viewer.StartAsync(timeout.Token);
        var snapshot = Assert.Single(await viewer.InvokeAsync<RunSnapshot[]>("Subscribe", new[] { watched }, timeout.Token));
        foreach (int s in snapshot.Batches.Step) steps.TryAdd(s, 0);
        var finished = await WaitAsync(other.Client, watched, seconds: 120);
        Assert.Equal("completed", finished.GetProperty("status").GetString());
        int total = finished.GetProperty("step").GetInt32();
        for (var clock = Stopwatch.StartNew(); steps.Count < total && clock.Elapsed < TimeSpan.FromSeconds(10);) await Task.Delay(50);
        Assert.Equal(Enumerable.Range(1, total), steps.Keys.Order());

        // The presenter's cancel on their instance (the hub's Cancel, as scripts use it: a page's Stop acts on its own
        // instance's runs only, and with affinity that is where they started) stops a run the other instance trains
        // within a second: it travels on the dashboards' Redis bus.
        string running = await StartAsync(other.Client, Long);
        await WaitAsync(other.Client, running, r => r.GetProperty("step").GetInt32() > 0);
        await WrittenAsync(store, [running]);               // the home instance finds it in the shared store
        var stopwatch = Stopwatch.StartNew();
        Assert.True(await viewer.InvokeAsync<bool>("Cancel", running, timeout.Token));
        var cancelled = await WaitAsync(other.Client, running, seconds: 10);
        stopwatch.Stop();
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        output.WriteLine($"the cancel from {home} stopped the run on the other instance in {stopwatch.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1), $"the cancel from {home} took {stopwatch.Elapsed.TotalSeconds:F2} s");

        // Named as the dashboards' proxy (Security:Proxies), the proxy's X-Forwarded-For is each client's address: a
        // student guessing keys on the home instance is shut out for the minute, the presenter on another laptop is not
        // (with the proxy's address for everyone, the whole room would be).
        var affinity = cookies.GetCookies(room)[PolyakProxy.ProxyApp.AffinityCookie]!;
        using var student = From("127.0.0.2", room, affinity);
        using var lecturer = From("127.0.0.3", room, affinity);
        for (int i = 0; i < 10; i++) Assert.Equal("viewer", await KeyAsync(student, "guess-" + i));      // Viewers:FailedKeysPerMinute
        Assert.Equal("429", await KeyAsync(student, "guess-10"));
        Assert.Equal("presenter", await KeyAsync(lecturer, Key));
    }

    /// <summary>A client on another loopback address (127.0.0.2…), as another laptop in the room, sending the given
    /// affinity cookie.</summary>
    private static HttpClient From(string address, Uri room, Cookie affinity)
    {
        var handler = new SocketsHttpHandler
        {
            UseCookies = false,
            ConnectCallback = async (context, cancel) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancel);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        };
        var client = new HttpClient(handler) { BaseAddress = room };
        client.DefaultRequestHeaders.Add("Cookie", $"{affinity.Name}={affinity.Value}");
        return client;
    }

    /// <summary>What /api/presenter answers this key: the status, and the role when it answers.</summary>
    private static async Task<string> KeyAsync(HttpClient client, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/presenter");
        request.Headers.Add(Presenter.Header, key);
        using var response = await client.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.OK) return ((int)response.StatusCode).ToString();
        return (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("role").GetString()!;
    }

    /// <summary>A browser's calls from the dashboard's own page (its Origin), as the presenter; with or without a cookie jar.</summary>
    private static HttpClient Browser(Uri room, CookieContainer? cookies)
    {
        var client = new HttpClient(new HttpClientHandler { UseCookies = cookies is not null, CookieContainer = cookies ?? new CookieContainer() }) { BaseAddress = room };
        client.DefaultRequestHeaders.Add("Origin", room.GetLeftPart(UriPartial.Authority));
        client.DefaultRequestHeaders.Add(Presenter.Header, Key);
        return client;
    }

    private static async Task<HttpResponseMessage> SendAsync(Uri room, HttpMethod method, string path, string? origin = null, string? host = null, object? body = null)
    {
        using var client = new HttpClient { BaseAddress = room };
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Add(Presenter.Header, Key);
        if (origin is not null) request.Headers.Add("Origin", origin);
        if (host is not null) request.Headers.Host = host;
        return await client.SendAsync(request);
    }

    /// <summary>Which instance wrote each run, once every one of them is in the store (it writes every 0.5 s).</summary>
    private static async Task<Dictionary<string, string>> WrittenAsync(TestStore store, IReadOnlyCollection<string> ids)
    {
        for (var clock = Stopwatch.StartNew(); ; await Task.Delay(100))
        {
            var written = store.Instances(ids);
            if (written.Count == ids.Count) return written;
            if (clock.Elapsed > Patience) throw new TimeoutException($"after {Patience.TotalSeconds} s the store has {written.Count} of {ids.Count} runs");
        }
    }

    private static HubConnection Hub(Uri room, CookieContainer cookies) => new HubConnectionBuilder()
        .WithUrl(new Uri(room, TrainingHub.Path), o =>
        {
            o.Cookies = cookies;
            o.Headers["Origin"] = room.GetLeftPart(UriPartial.Authority);
            o.Headers[Presenter.Header] = Key;
        })
        .AddJsonProtocol(o => PolyakJson.Configure(o.PayloadSerializerOptions))
        .Build();
}
