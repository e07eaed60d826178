using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PolyakCore.Text;

namespace PolyakDashboard.BrowserTests;

/// <summary>
/// The dashboard on real Kestrel (a loopback port of its own) plus one headless Debian Chromium,
/// shared by every test in the "Dashboard" collection. Each test opens its own page.
/// </summary>
public class DashboardFixture : IAsyncLifetime
{
    /// <summary>Debian's browser; Playwright's own downloads are not used (no network here).</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    // A run store, checkpoints and corpora of its own, so browser tests neither see nor leave anything in the app's data/.
    private readonly string _dataFolder = Directory.CreateTempSubdirectory("polyak-browser-runs-").FullName;
    private readonly DashboardFactory _factory;
    private readonly string _profileDir = Directory.CreateTempSubdirectory("polyak-chromium-").FullName;
    private IPlaywright? _playwright;
    private IBrowserContext? _browser;

    public DashboardFixture() => _factory = new DashboardFactory(_dataFolder, Settings);

    /// <summary>Configuration for the app (none by default: no presenter key, so the local browser is presenter).</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>();

    /// <summary>The app's services (e.g. to move the presenter without a second browser).</summary>
    public IServiceProvider Services => _factory.Services;

    /// <summary>Root URL of the running app, e.g. "http://127.0.0.1:41234/".</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>Folder for screenshots: screenshots/ under the test output folder.</summary>
    public string ScreenshotDir { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"{ChromiumPath} is missing: apt-get install -y chromium");
        Directory.CreateDirectory(ScreenshotDir);
        WritePlaygroundCheckpoints(Path.Combine(_dataFolder, "shipped"));

        _factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        _factory.StartServer();
        var addresses = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()
            ?? throw new InvalidOperationException("Kestrel reported no addresses.");
        BaseUrl = addresses.Addresses.First().TrimEnd('/') + "/";
        // The pages' findings (seconds of CPU each, once per server) are computed before any test: computed on a
        // test's first visit they would compete with the timed checks (a chart in view within a second of Run).
        var findings = _factory.Services.GetRequiredService<PolyakDashboard.Experiments.FindingsService>();
        foreach (var id in new[] { "1a", "1b", "1c", "1e" }) await findings.GetAsync(id);

        _playwright = await Playwright.CreateAsync();
        // The profile directory is the first argument; passing --user-data-dir instead breaks the launch.
        _browser = await _playwright.Chromium.LaunchPersistentContextAsync(_profileDir, new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumArgs,
            ViewportSize = new() { Width = 1280, Height = 860 },
            BaseURL = BaseUrl,
        });
    }

    /// <summary>A new tab; dispose it (ClosePageAsync) when done.</summary>
    public Task<IPage> NewPageAsync() =>
        (_browser ?? throw new InvalidOperationException("Fixture not initialised.")).NewPageAsync();

    /// <summary>Opens <paramref name="path"/> and waits until Blazor's circuit is interactive.</summary>
    public async Task<IPage> OpenAsync(string path)
    {
        var page = await NewPageAsync();
        await page.GotoAsync(path);
        await WaitForInteractiveAsync(page);
        return page;
    }

    /// <summary>Opens <paramref name="path"/> in the "light" or "dark" <paramref name="theme"/> and waits until the circuit is
    /// interactive. The theme comes from the emulated OS preference, which the app follows while no choice is stored: this page
    /// only, nothing left in the profile's localStorage that every tab shares.</summary>
    public async Task<IPage> OpenInThemeAsync(string path, string theme)
    {
        var page = await NewPageAsync();
        await page.EmulateMediaAsync(new() { ColorScheme = theme == "dark" ? ColorScheme.Dark : ColorScheme.Light });
        await page.GotoAsync(path);
        await WaitForInteractiveAsync(page);
        return page;
    }

    /// <summary>Waits for Blazor's circuit: prerendered HTML shows at once but ignores clicks until then.</summary>
    public static Task WaitForInteractiveAsync(IPage page) =>
        page.Locator("[data-interactive=true]").WaitForAsync(new() { Timeout = 15_000 });

    /// <summary>Presses Tab (Shift+Tab with <paramref name="backwards"/>) until the focused element matches the CSS
    /// <paramref name="selector"/> (and has the text <paramref name="text"/>, if given), at most <paramref name="limit"/>
    /// times: what a keyboard user does to reach it.</summary>
    public static async Task TabToAsync(IPage page, string selector, bool backwards = false, int limit = 80, string? text = null)
    {
        for (int i = 0; i < limit; i++)
        {
            await page.Keyboard.PressAsync(backwards ? "Shift+Tab" : "Tab");
            if (await page.EvaluateAsync<bool>("([s, t]) => !!document.activeElement?.matches(s) && (t === null || document.activeElement.textContent.trim() === t)",
                    new[] { selector, text })) return;
        }
        Assert.Fail($"{limit} presses of {(backwards ? "Shift+Tab" : "Tab")} never reached {selector}; the focus is on " +
            await page.EvaluateAsync<string>("() => document.activeElement?.outerHTML.slice(0, 120) ?? 'nothing'"));
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
        await _factory.DisposeAsync();
        try { Directory.Delete(_profileDir, recursive: true); } catch (IOException) { }
    }

    /// <summary>Three small random-weight models over the child-speech vocabulary, as "shipped" checkpoints for the
    /// playground (random weights sample as fast as trained ones; their text is noise).</summary>
    private static void WritePlaygroundCheckpoints(string folder)
    {
        var vocabulary = string.Concat(TextCorpus.ChildSpeech().Tokenizer.Vocabulary);
        foreach (var (name, optimizer, seed) in new[] { ("small-adam", "adam", 1), ("small-polyak-sgd", "polyak-sgd", 2), ("small-sgd", "sgd", 3) })
        {
            using var model = new CharGpt(new GptConfig(vocabulary.Length, 48, 4, 2, 64, 0), seed);
            Checkpoint.Save(Path.Combine(folder, name + Checkpoint.Extension), model, new CheckpointMetadata
            {
                Model = model.Config, Vocabulary = vocabulary, Optimizer = optimizer, Preset = "test", Corpus = "child-speech",
                Epoch = 5, Steps = 400, TrainLoss = 1.2 + seed / 10.0, ValLoss = 1.25 + seed / 10.0, Kind = "best",
                CreatedAt = new DateTimeOffset(2025, 11, 28, 12, seed, 0, TimeSpan.Zero),
            });
        }
    }

    private sealed class DashboardFactory(string folder, IReadOnlyDictionary<string, string> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Development");
            foreach (var (key, value) in settings) builder.UseSetting(key, value);
            builder.UseSetting("ConnectionStrings:Runs", $"Data Source={Path.Combine(folder, "runs.db")}");
            builder.UseSetting("ChildSpeech:CheckpointFolder", Path.Combine(folder, "checkpoints"));
            builder.UseSetting("ChildSpeech:ShippedCheckpointFolder", Path.Combine(folder, "shipped"));
            builder.UseSetting("ChildSpeech:CorpusFolder", Path.Combine(folder, "corpora"));
            builder.UseSetting("ChildSpeech:WarmUp", "false");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardFixture>
{
    public const string Name = "Dashboard";
}

/// <summary>The dashboard with a presenter key: a browser without the cookie is a viewer. Its room address is configured
/// (as behind a proxy), so the Join card has a QR code to show although the server listens on loopback only.</summary>
public sealed class KeyedDashboardFixture : DashboardFixture
{
    public const string Key = "browser-test-key";
    public const string RoomUrl = "http://lecture-hall.example:5000/";

    protected override IReadOnlyDictionary<string, string> Settings =>
        new Dictionary<string, string> { ["Presenter:Key"] = Key, ["Lecture:RoomUrls:0"] = RoomUrl };
}

[CollectionDefinition(Name)]
public sealed class KeyedDashboardCollection : ICollectionFixture<KeyedDashboardFixture>
{
    public const string Name = "Keyed dashboard";
}
