using Microsoft.AspNetCore.SignalR;

namespace PolyakDashboard.Runs;

/// <summary>Where the presenter is: a page of this app (path and query) and, on an experiment page, the launch shown.</summary>
/// <param name="Path">Base-relative URL starting with "/", e.g. "/explorer?x=-2&amp;y=4".</param>
/// <param name="LaunchId">The launch the presenter shows there; null for none.</param>
public sealed record PresenterLocation(string Path, string? LaunchId, DateTimeOffset At);

/// <summary>The presenter's current page, for "follow the presenter": Blazor circuits hear of moves through
/// <see cref="Moved"/>, other clients through the training hub's "presenter" message.</summary>
public sealed class PresenterPresence(IHubContext<TrainingHub>? hub = null, ILogger<PresenterPresence>? logger = null)
{
    public const int MaxPathLength = 2048;
    private PresenterLocation? _current;

    public PresenterLocation? Current => Volatile.Read(ref _current);

    /// <summary>Raised on every move (on the thread that made it).</summary>
    public event Action<PresenterLocation>? Moved;

    /// <summary>Raised on a move made on this instance (the cluster bus tells the other instances).</summary>
    public event Action<PresenterLocation>? MovedHere;

    /// <summary>A move made on another dashboard instance: recorded and told to this instance's circuits (its hub
    /// followers heard it through the backplane already). An older move than the current one is ignored.</summary>
    public void MovedElsewhere(PresenterLocation location)
    {
        if (!IsValidPath(location.Path)) return;
        if (Current is { } old && old.At >= location.At) return;
        Volatile.Write(ref _current, location);
        try { Moved?.Invoke(location); }
        catch (Exception e) { logger?.LogWarning(e, "A follower failed to follow the presenter"); }
    }

    /// <summary>A path viewers may be sent to: of this app (starts with one "/"), not too long, no control characters.</summary>
    public static bool IsValidPath(string? path) => path is { Length: > 0 and <= MaxPathLength } && path[0] == '/'
        && !path.StartsWith("//", StringComparison.Ordinal) && !path.StartsWith("/\\", StringComparison.Ordinal) && !path.Any(char.IsControl);

    /// <summary>Records the presenter's page and tells the audience; an invalid path throws <see cref="ArgumentException"/>.</summary>
    public void Show(string path, string? launchId = null)
    {
        if (!IsValidPath(path)) throw new ArgumentException($"Not a page of this app: '{Shorten(path)}'.", nameof(path));
        if (launchId is { Length: > 200 }) throw new ArgumentException("Launch id too long.", nameof(launchId));
        var old = Current;
        if (old is not null && old.Path == path && old.LaunchId == launchId) return;
        var location = new PresenterLocation(path, launchId, DateTimeOffset.UtcNow);
        Volatile.Write(ref _current, location);
        try { Moved?.Invoke(location); }
        catch (Exception e) { logger?.LogWarning(e, "A follower failed to follow the presenter"); }
        _ = hub?.Clients.Group(TrainingHub.Audience).SendAsync("presenter", location);
        try { MovedHere?.Invoke(location); }
        catch (Exception e) { logger?.LogWarning(e, "The presenter's move could not be told to the other instances"); }
    }

    private static string Shorten(string? s) => s is null ? "" : s.Length > 60 ? s[..60] + "…" : s;
}
