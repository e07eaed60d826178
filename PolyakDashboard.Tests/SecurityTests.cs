using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PolyakDashboard.Runs;
using PolyakDashboard.Security;

namespace PolyakDashboard.Tests;

/// <summary>An app with a presenter key, so requests without it are a viewer's.</summary>
public sealed class KeyedDashboardFactory : IAsyncDisposable
{
    public const string Key = "lecture-key-42";
    // Wrong keys are tried on purpose here: a limit of 10 a minute would refuse this class's later tests.
    public DashboardFactory Factory { get; } = new() { Settings = new Dictionary<string, string> { ["Presenter:Key"] = Key, ["Viewers:FailedKeysPerMinute"] = "1000" } };

    public HttpClient Viewer() => Factory.CreateClient();

    public HttpClient Presenter()
    {
        var client = Factory.CreateClient();
        client.DefaultRequestHeaders.Add(Security.Presenter.Header, Key);
        return client;
    }

    public HubConnection Hub(string? key = null) => new HubConnectionBuilder()
        .WithUrl(new Uri(Factory.Server.BaseAddress, TrainingHub.Path), o =>
        {
            o.HttpMessageHandlerFactory = _ => Factory.Server.CreateHandler();
            if (key is not null) o.Headers[Security.Presenter.Header] = key;
        })
        .AddJsonProtocol(o => PolyakJson.Configure(o.PayloadSerializerOptions))
        .Build();

    public ValueTask DisposeAsync() => Factory.DisposeAsync();
}

public class SecurityTests(KeyedDashboardFactory app) : IClassFixture<KeyedDashboardFactory>
{
    private static readonly object QuickRun = new { problem = "quadratic", optimizer = "polyak-sgd", batchSize = 100, epochs = 1 };

    public static TheoryData<string, string, string?> MutatingCalls => new()
    {
        { "POST", "/api/runs", """{ "problem": "quadratic", "epochs": 1 }""" },
        { "POST", "/api/experiments/1a/runs", null },
        { "DELETE", "/api/runs/any-run", null },
        { "DELETE", "/api/runs/any-run?purge=true", null },
        { "PUT", "/api/runs/any-run/annotations", """{ "tags": ["x"] }""" },
        { "POST", "/api/runs/import", "{}" },
        { "POST", "/api/experiments/1c/runs", """{ "seeds": 3 }""" },
        { "DELETE", "/api/ensembles/any-group", null },
    };

    [Theory]
    [MemberData(nameof(MutatingCalls))]
    public async Task WithoutTheKeyMutatingCallsGet401AndChangeNothing(string method, string path, string? body)
    {
        int before = (await app.Viewer().GetFromJsonAsync<JsonElement>("/api/runs")).GetArrayLength();
        foreach (string? key in new[] { null, "wrong-key" })
        {
            var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (body is not null) request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            if (key is not null) request.Headers.Add(Presenter.Header, key);
            var response = await app.Viewer().SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            string text = await response.Content.ReadAsStringAsync();
            Assert.Contains(key is null ? "Presenter only" : "Invalid presenter key", text);
            Assert.Contains("X-Presenter-Key", text);
        }
        Assert.Equal(before, (await app.Viewer().GetFromJsonAsync<JsonElement>("/api/runs")).GetArrayLength());
    }

    [Fact]
    public async Task ViewersReadEverythingAndThePresenterKeyStartsCancelsAndDeletes()
    {
        var viewer = app.Viewer();
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/runs")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/experiments")).StatusCode);
        Assert.Equal("viewer", (await viewer.GetFromJsonAsync<JsonElement>("/api/presenter")).GetProperty("role").GetString());

        var presenter = app.Presenter();
        Assert.Equal("presenter", (await presenter.GetFromJsonAsync<JsonElement>("/api/presenter")).GetProperty("role").GetString());
        var started = await presenter.PostAsJsonAsync("/api/runs", QuickRun);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        string id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"/api/runs/{id}/metrics?format=csv")).StatusCode);   // viewers export
        Assert.Equal(HttpStatusCode.Unauthorized, (await viewer.DeleteAsync($"/api/runs/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await presenter.DeleteAsync($"/api/runs/{id}")).StatusCode);
    }

    [Fact]
    public async Task ABrowserSignsInOnceAndItsCookieIsThePresenters()
    {
        var browser = app.Factory.CreateClient();      // keeps cookies
        var wrong = await browser.PostAsJsonAsync("/api/presenter/session", new { key = "guess" });
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.False(wrong.Headers.Contains("Set-Cookie"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.PostAsJsonAsync("/api/runs", QuickRun)).StatusCode);

        var right = await browser.PostAsJsonAsync("/api/presenter/session", new { key = KeyedDashboardFactory.Key });
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        string cookie = Assert.Single(right.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(KeyedDashboardFactory.Key, cookie);          // the cookie proves the key without holding it

        Assert.Equal(HttpStatusCode.Accepted, (await browser.PostAsJsonAsync("/api/runs", QuickRun)).StatusCode);   // the browser sends it back

        var noJar = new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = false };
        var withCookie = new HttpRequestMessage(HttpMethod.Post, "/api/runs") { Content = JsonContent.Create(QuickRun) };
        withCookie.Headers.Add("Cookie", cookie.Split(';')[0]);
        Assert.Equal(HttpStatusCode.Accepted, (await app.Factory.CreateClient(noJar).SendAsync(withCookie)).StatusCode);
        var forged = new HttpRequestMessage(HttpMethod.Post, "/api/runs") { Content = JsonContent.Create(QuickRun) };
        forged.Headers.Add("Cookie", $"{Presenter.Cookie}=AAAA");
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Factory.CreateClient(noJar).SendAsync(forged)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await browser.DeleteAsync("/api/presenter/session")).StatusCode);     // sign out
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.PostAsJsonAsync("/api/runs", QuickRun)).StatusCode);
    }

    [Fact]
    public async Task HubMethodsThatChangeThingsArePresenterOnlyAndFollowersHearThePresenter()
    {
        await using var viewer = app.Hub();
        var heard = new TaskCompletionSource<PresenterLocation>();
        viewer.On<PresenterLocation>("presenter", l => { if (l.Path == "/1b?from=test") heard.TrySetResult(l); });
        await viewer.StartAsync();
        await viewer.InvokeAsync<PresenterLocation?>("FollowPresenter");

        var refused = await Assert.ThrowsAsync<HubException>(() => viewer.InvokeAsync("ShowPage", "/1b", null));
        Assert.Contains("unauthorized", refused.Message);
        await Assert.ThrowsAsync<HubException>(() => viewer.InvokeAsync<bool>("Cancel", "any-run"));
        await using (var wrong = app.Hub("wrong-key"))
        {
            await wrong.StartAsync();     // a wrong key makes a viewer on the hub (and a 401 on the API)
            await Assert.ThrowsAsync<HubException>(() => wrong.InvokeAsync("ShowPage", "/1b", null));
        }

        await using var presenter = app.Hub(KeyedDashboardFactory.Key);
        await presenter.StartAsync();
        await presenter.InvokeAsync("ShowPage", "/1b?from=test", null);
        Assert.Equal("/1b?from=test", (await heard.Task.WaitAsync(TimeSpan.FromSeconds(10))).Path);
        var outside = await Assert.ThrowsAsync<HubException>(() => presenter.InvokeAsync("ShowPage", "https://evil.example/", null));
        Assert.Contains("Not a page of this app", outside.Message);
        Assert.False(await presenter.InvokeAsync<bool>("Cancel", "no-such-run"));
    }

    [Fact]
    public async Task TheExplorerRaceIsRateLimitedPerClientWithAClear429()
    {
        await using var small = new DashboardFactory { Settings = new Dictionary<string, string>
        {
            ["Presenter:Key"] = KeyedDashboardFactory.Key, ["Viewers:ComputationBurst"] = "3", ["Viewers:ComputationsPerSecond"] = "0.01",
        } };
        var viewer = small.CreateClient();
        var answers = new List<HttpResponseMessage>();
        for (int i = 0; i < 5; i++) answers.Add(await viewer.GetAsync($"/api/explorer/race?x={i * 0.5}&epochs=2"));
        Assert.Equal([200, 200, 200, 429, 429], answers.Select(a => (int)a.StatusCode));
        Assert.Contains("too many computations", await answers[3].Content.ReadAsStringAsync());
        Assert.True(answers[3].Headers.Contains("Retry-After"));
        using var race = JsonDocument.Parse(await answers[0].Content.ReadAsStringAsync());
        Assert.Equal(6, race.RootElement.GetProperty("lanes").GetArrayLength());

        var presenter = small.CreateClient();
        presenter.DefaultRequestHeaders.Add(Presenter.Header, KeyedDashboardFactory.Key);
        Assert.Equal(HttpStatusCode.OK, (await presenter.GetAsync("/api/explorer/race?x=2.5&epochs=2")).StatusCode);   // the presenter is not limited
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/runs")).StatusCode);                             // and reading is not limited
    }

    /// <summary>The key and the cookie are no way round the origin check: another site's request is refused with them too.</summary>
    [Fact]
    public async Task AnotherSitesRequestIsRefusedEvenWithTheKeyOrTheCookie()
    {
        var withKey = new HttpRequestMessage(HttpMethod.Post, "/api/runs") { Content = JsonContent.Create(QuickRun) };
        withKey.Headers.Add(Presenter.Header, KeyedDashboardFactory.Key);
        withKey.Headers.Add("Origin", "http://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await app.Viewer().SendAsync(withKey)).StatusCode);

        var browser = app.Factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await browser.PostAsJsonAsync("/api/presenter/session", new { key = KeyedDashboardFactory.Key })).StatusCode);
        var withCookie = new HttpRequestMessage(HttpMethod.Post, "/api/runs") { Content = JsonContent.Create(QuickRun) };
        withCookie.Headers.Add("Sec-Fetch-Site", "cross-site");
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.SendAsync(withCookie)).StatusCode);
        var plain = new HttpRequestMessage(HttpMethod.Post, "/api/runs") { Content = new StringContent("""{ "problem": "quadratic", "epochs": 1 }""") };
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await browser.SendAsync(plain)).StatusCode);   // text/plain: a cross-site form's type
        var own = new HttpRequestMessage(HttpMethod.Post, "/api/runs") { Content = JsonContent.Create(QuickRun) };
        own.Headers.Add("Origin", "http://localhost");
        own.Headers.Add("Sec-Fetch-Site", "same-origin");
        Assert.Equal(HttpStatusCode.Accepted, (await browser.SendAsync(own)).StatusCode);
        await browser.DeleteAsync("/api/presenter/session");
    }

    /// <summary>Behind a proxy on this machine that terminates TLS, the cookie is Secure (the proxy's X-Forwarded-Proto says https).</summary>
    [Fact]
    public async Task TheCookieIsSecureOverHttpsAndBehindAnHttpsProxy()
    {
        var plain = await app.Viewer().PostAsJsonAsync("/api/presenter/session", new { key = KeyedDashboardFactory.Key });
        Assert.DoesNotContain("secure", plain.Headers.GetValues("Set-Cookie").Single(), StringComparison.OrdinalIgnoreCase);

        var proxied = new HttpRequestMessage(HttpMethod.Post, "/api/presenter/session") { Content = JsonContent.Create(new { key = KeyedDashboardFactory.Key }) };
        proxied.Headers.Add("X-Forwarded-Proto", "https");
        proxied.Headers.Add("Origin", "https://localhost");     // the page is https://, as the browser sees it
        var answer = await app.Viewer().SendAsync(proxied);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("secure", answer.Headers.GetValues("Set-Cookie").Single(), StringComparison.OrdinalIgnoreCase);

        var https = app.Factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost") });
        var direct = await https.PostAsJsonAsync("/api/presenter/session", new { key = KeyedDashboardFactory.Key });
        Assert.Contains("secure", direct.Headers.GetValues("Set-Cookie").Single(), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Security:Proxies names the proxies by address (what the connection comes from): a name there stops the
    /// start, saying so.</summary>
    [Fact]
    public async Task AProxyNamedByHostNameStopsTheStartSayingWhy()
    {
        await using var misconfigured = new DashboardFactory { Settings = new Dictionary<string, string> { ["Security:Proxies:0"] = "proxy.example" } };
        var error = Assert.ThrowsAny<Exception>(() => misconfigured.CreateClient());
        Assert.Contains("Security:Proxies: 'proxy.example' is not an IP address", error.ToString());
    }

    /// <summary>Wrong keys in the header count against the address on every path (GET /api/presenter says whether the key
    /// was right), with the sign-in's: past the limit every try is 429, the right key too, until the minute is over.</summary>
    [Fact]
    public async Task WrongKeysAreLimitedPerAddressOnEveryPath()
    {
        await using var small = new DashboardFactory { Settings = new Dictionary<string, string>
        {
            ["Presenter:Key"] = KeyedDashboardFactory.Key, ["Viewers:FailedKeysPerMinute"] = "4",
        } };
        async Task<int> Try(string path, string key)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add(Presenter.Header, key);
            return (int)(await small.CreateClient().SendAsync(request)).StatusCode;
        }
        Assert.Equal(200, await Try("/api/presenter", "guess-1"));           // a viewer: that says the key was wrong
        Assert.Equal(200, await Try("/api/runs", "guess-2"));
        Assert.Equal(200, await Try("/api/experiments", "guess-3"));
        Assert.Equal(401, (int)(await small.CreateClient().PostAsJsonAsync("/api/presenter/session", new { key = "guess-4" })).StatusCode);
        Assert.Equal(429, await Try("/api/presenter", "guess-5"));
        Assert.Equal(429, await Try("/api/runs", KeyedDashboardFactory.Key));   // the right key learns nothing now
        var signIn = await small.CreateClient().PostAsJsonAsync("/api/presenter/session", new { key = KeyedDashboardFactory.Key });
        Assert.Equal(HttpStatusCode.TooManyRequests, signIn.StatusCode);
        Assert.Contains("wrong presenter keys", await signIn.Content.ReadAsStringAsync());
        var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(small.Server.BaseAddress, TrainingHub.Path), o =>
            {
                o.HttpMessageHandlerFactory = _ => small.Server.CreateHandler();
                o.Headers[Presenter.Header] = "guess-6";
            }).Build();
        Assert.Contains("429", (await Assert.ThrowsAnyAsync<Exception>(() => hub.StartAsync())).Message);
        Assert.Equal(HttpStatusCode.OK, (await small.CreateClient().GetAsync("/api/runs")).StatusCode);   // reading without a key is not limited
    }

    [Theory]
    [InlineData("http://localhost:5000", true)]
    [InlineData("http://127.0.0.1:41234", true)]
    [InlineData("http://[::1]:5000", true)]
    [InlineData("http://0.0.0.0:5000", false)]
    [InlineData("http://[::]:5000", false)]
    [InlineData("http://*:5000", false)]
    [InlineData("http://+:80", false)]
    [InlineData("http://192.168.1.20:5000", false)]
    public void OnlyLoopbackBindingsMakeTheLocalUserPresenter(string address, bool local)
    {
        Assert.Equal(local, PresenterKey.IsLoopbackAddress(address));
        var noKey = new PresenterKey(Options.Create(new PresenterOptions()), new FakeServer(address));
        Assert.Equal(local, noKey.LocalUserIsPresenter);
        Assert.Equal(16, noKey.Value.Length);          // a generated key, printed at start-up
        var keyed = new PresenterKey(Options.Create(new PresenterOptions { Key = "k" }), new FakeServer(address));
        Assert.False(keyed.LocalUserIsPresenter);       // a configured key always counts
    }

    private sealed class FakeServer : IServer
    {
        public FakeServer(string address)
        {
            var addresses = new ServerAddressesFeature();
            addresses.Addresses.Add(address);
            Features.Set<IServerAddressesFeature>(addresses);
        }

        public IFeatureCollection Features { get; } = new FeatureCollection();
        public Task StartAsync<TContext>(Microsoft.AspNetCore.Hosting.Server.IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public void Dispose() { }
    }
}
