using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace PolyakDashboard.Tests;

/// <summary>The app in memory, with small queue limits so tests can hit them, and a run store of its own:
/// a fresh temp file (deleted with the factory) unless <see cref="DatabasePath"/> names one, e.g. to restart
/// on another factory's file.</summary>
public sealed class DashboardFactory : WebApplicationFactory<Program>
{
    private string? _ownDir;
    private string? _databasePath;

    public string DatabasePath
    {
        get => _databasePath ??= Path.Combine(_ownDir = Directory.CreateTempSubdirectory("polyak-runs-").FullName, "runs.db");
        init => _databasePath = value;
    }

    /// <summary>Where this app keeps uploaded and trained checkpoints (tests put theirs here).</summary>
    public string CheckpointFolder => Path.Combine(Path.GetDirectoryName(DatabasePath)!, "checkpoints");

    /// <summary>The app's "shipped" checkpoints (read-only for the app).</summary>
    public string ShippedCheckpointFolder => Path.Combine(Path.GetDirectoryName(DatabasePath)!, "shipped");

    /// <summary>More settings, applied last ("ConnectionStrings:Runs" replaces the one built from <see cref="DatabasePath"/>).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Anything else to configure (applied last).</summary>
    public Action<IWebHostBuilder>? Configure { get; init; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("Runs:MaxQueueLength", "40");
        builder.UseSetting("Runs:BroadcastIntervalMs", "20");
        builder.UseSetting("Runs:MaxConcurrentRuns", "2");   // a slow test run must not hold up the others
        builder.UseSetting("ConnectionStrings:Runs", $"Data Source={DatabasePath}");
        // Checkpoints and corpora next to the database: tests never write into the app's data/ folder.
        string folder = Path.GetDirectoryName(DatabasePath)!;
        builder.UseSetting("ChildSpeech:CheckpointFolder", Path.Combine(folder, "checkpoints"));
        builder.UseSetting("ChildSpeech:ShippedCheckpointFolder", Path.Combine(folder, "shipped"));
        builder.UseSetting("ChildSpeech:CorpusFolder", Path.Combine(folder, "corpora"));
        builder.UseSetting("ChildSpeech:WarmUp", "false");   // no generation slot taken behind a test's back
        foreach (var (key, value) in Settings) builder.UseSetting(key, value);
        Configure?.Invoke(builder);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_ownDir is not null) try { Directory.Delete(_ownDir, recursive: true); } catch (IOException) { }
    }
}
