using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;
using Microsoft.JSInterop;
using PolyakDashboard.Runs;
using PolyakDashboard.Security;

namespace PolyakDashboard.Components.Layout;

/// <summary>Follow the presenter, for one circuit: the presenter's pages go to the audience (coalesced), and a viewer
/// who follows (the app bar's toggle, remembered in the browser) goes where the presenter goes, also after a
/// reconnect. The layout starts it once interactive and disposes it with itself.</summary>
/// <param name="invoke">The layout's InvokeAsync: presence events arrive on other threads.</param>
public sealed class PresenterFollowing(NavigationManager navigation, ViewerSession session, PresenterPresence presence,
    CircuitConnection connection, IJSRuntime js, ILogger logger, Func<Action, Task> invoke) : IDisposable
{
    private const string FollowStorageKey = "polyak-dashboard-follow";
    // The presenter's explorer rewrites its URL on every keystroke: tell followers at most this often.
    private static readonly TimeSpan BroadcastDelay = TimeSpan.FromMilliseconds(250);
    private string? _pendingPath;
    private bool _broadcastScheduled, _started, _disposed;

    /// <summary>Whether this viewer follows (always true for the presenter, who leads).</summary>
    public bool Following => session.Following;

    /// <summary>Begins leading (presenter) or following (viewer, unless they turned it off in this browser).</summary>
    public async Task StartAsync()
    {
        if (_started || _disposed) return;
        _started = true;
        if (session.IsPresenter)
        {
            navigation.LocationChanged += HandleLocationChanged;
            Broadcast(navigation.Uri);
        }
        else
        {
            session.Following = await js.InvokeAsync<string?>("localStorage.getItem", FollowStorageKey) != "off";
            presence.Moved += HandlePresenterMoved;
            connection.Reconnected += HandleReconnected;
            if (presence.Current is { } where) Follow(where);
        }
    }

    /// <summary>The app bar's toggle: follow, or browse freely; remembered in this browser.</summary>
    public async Task ToggleAsync()
    {
        session.Following = !session.Following;
        await js.InvokeVoidAsync("localStorage.setItem", FollowStorageKey, session.Following ? "on" : "off");
        if (presence.Current is { } where) Follow(where);
    }

    private string CurrentPath => "/" + navigation.ToBaseRelativePath(navigation.Uri);

    private void HandleLocationChanged(object? sender, LocationChangedEventArgs e) => Broadcast(e.Location);

    /// <summary>The presenter's page goes to the audience, coalesced to one message per <see cref="BroadcastDelay"/>.</summary>
    private void Broadcast(string uri)
    {
        _pendingPath = PresentationMode.WithoutQueryKey("/" + navigation.ToBaseRelativePath(uri));
        if (_broadcastScheduled) return;
        _broadcastScheduled = true;
        _ = Task.Delay(BroadcastDelay).ContinueWith(_ => invoke(() =>
        {
            _broadcastScheduled = false;
            if (!_disposed && _pendingPath is { } path && PresenterPresence.IsValidPath(path)) presence.Show(path);
        }));
    }

    private void HandlePresenterMoved(PresenterLocation where) => _ = invoke(() => Follow(where));

    // Back from a closed laptop or a lost network: catch up with where the presenter is now.
    private void HandleReconnected() => _ = invoke(() => { if (presence.Current is { } where) Follow(where); });

    private void Follow(PresenterLocation where)
    {
        if (_disposed || !session.Following || where.Path == CurrentPath) return;
        if (!connection.IsConnected)
        {
            // Its tab is closed or offline: navigating would fail inside NavigationManager (see CircuitConnection).
            logger.LogDebug("Not following the presenter to {Path}: this viewer's circuit is disconnected.", where.Path);
            return;
        }
        try { navigation.NavigateTo(where.Path); }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
        {
            logger.LogDebug(e, "Not following the presenter to {Path}: this circuit is going away.", where.Path);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        navigation.LocationChanged -= HandleLocationChanged;
        presence.Moved -= HandlePresenterMoved;
        connection.Reconnected -= HandleReconnected;
    }
}
