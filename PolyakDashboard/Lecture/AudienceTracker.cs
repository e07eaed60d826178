using Microsoft.AspNetCore.Components.Server.Circuits;
using PolyakDashboard.Security;

namespace PolyakDashboard.Lecture;

/// <summary>Counts this circuit in the <see cref="Audience"/> while it is a viewer's and its browser is connected
/// (scoped: one per circuit).</summary>
public sealed class AudienceTracker(Audience audience, ViewerSession session) : CircuitHandler, IDisposable
{
    private string? _id;

    public override async Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        if (await session.IsPresenterAsync()) return;
        _id = "circuit:" + Guid.NewGuid().ToString("N");   // (a Circuit cannot be made outside Blazor: tests pass none)
        session.FollowingChanged += HandleFollowingChanged;
        audience.Join(_id, session.Following);
    }

    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        if (_id is not null) audience.Disconnected(_id);
        return Task.CompletedTask;
    }

    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        if (_id is not null) audience.Reconnected(_id);
        return Task.CompletedTask;
    }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    private void HandleFollowingChanged(bool following)
    {
        if (_id is not null) audience.SetFollowing(_id, following);
    }

    public void Dispose()
    {
        if (_id is null) return;
        session.FollowingChanged -= HandleFollowingChanged;
        audience.Leave(_id);
        _id = null;
    }
}
