using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;
using PolyakDashboard.Runs;

namespace PolyakDashboard.BrowserTests;

/// <summary>The probes' own app (a run store of its own, any settings) on a loopback port, and a Chromium of their own
/// (DashboardFixture cannot change the app's settings).</summary>
internal sealed class ProbeHost : IAsyncDisposable
{
    private readonly Factory _factory;
    private readonly string _profileDir = Directory.CreateTempSubdirectory("polyak-probe-").FullName;
    private readonly string _storeDir = Directory.CreateTempSubdirectory("polyak-probe-runs-").FullName;
    private IPlaywright? _playwright;
    public IBrowserContext Browser { get; private set; } = null!;
    public string BaseUrl { get; private set; } = "";
    public IServiceProvider Services => _factory.Services;
    public int MaxConcurrentRuns => _factory.Services.GetRequiredService<IOptions<RunOptions>>().Value.MaxConcurrentRuns;

    private ProbeHost(int? maxConcurrentRuns) => _factory = new Factory(maxConcurrentRuns, _storeDir);

    public static async Task<ProbeHost> StartAsync(int? maxConcurrentRuns, int viewportHeight)
    {
        var host = new ProbeHost(maxConcurrentRuns);
        host._factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        host._factory.StartServer();
        host.BaseUrl = host._factory.Services.GetRequiredService<IServer>().Features
            .Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/";
        host._playwright = await Playwright.CreateAsync();
        host.Browser = await host._playwright.Chromium.LaunchPersistentContextAsync(host._profileDir, new()
        {
            ExecutablePath = DashboardFixture.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            ViewportSize = new() { Width = 1280, Height = viewportHeight },
        });
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright?.Dispose();
        await _factory.DisposeAsync();
        try { Directory.Delete(_profileDir, recursive: true); } catch (IOException) { }
        try { Directory.Delete(_storeDir, recursive: true); } catch (IOException) { }
    }

    private sealed class Factory(int? maxConcurrentRuns, string storeDir) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Development");
            // A run store of its own: the probe neither sees earlier launches nor leaves runs in data/ (nor checkpoints).
            builder.UseSetting("ConnectionStrings:Runs", $"Data Source={Path.Combine(storeDir, "runs.db")}");
            builder.UseSetting("ChildSpeech:CheckpointFolder", Path.Combine(storeDir, "checkpoints"));
            if (maxConcurrentRuns is { } n) builder.UseSetting("Runs:MaxConcurrentRuns", n.ToString(CultureInfo.InvariantCulture));
        }
    }
}
