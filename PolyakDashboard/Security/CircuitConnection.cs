using Microsoft.AspNetCore.Components.Server.Circuits;

namespace PolyakDashboard.Security;

/// <summary>
/// Whether this circuit's browser is connected (one per circuit: a scoped <see cref="CircuitHandler"/>). A circuit
/// outlives its tab for a while (closed tab, lost network) and keeps receiving the presenter's moves; navigating it
/// then goes nowhere: NavigationManager's JS call fails inside its own fire-and-forget task ("Navigation failed when
/// changing the location to …", then "Unhandled exception in circuit … TaskCanceledException"), where a caller's
/// try/catch cannot see it. So followers check <see cref="IsConnected"/> first and catch up on <see cref="Reconnected"/>.
/// </summary>
public sealed class CircuitConnection : CircuitHandler
{
    private volatile bool _connected = true;   // outside a circuit (prerender, bUnit) there is nothing to lose

    public bool IsConnected => _connected;

    /// <summary>Raised when the browser comes back (on the circuit's dispatcher thread of the hub call).</summary>
    public event Action? Reconnected;

    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        _connected = false;
        return Task.CompletedTask;
    }

    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        bool wasDown = !_connected;
        _connected = true;
        if (wasDown) Reconnected?.Invoke();
        return Task.CompletedTask;
    }
}
