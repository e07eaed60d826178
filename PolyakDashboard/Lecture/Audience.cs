namespace PolyakDashboard.Lecture;

/// <summary>How many viewers are connected now and how many of them follow the presenter.</summary>
/// <param name="Viewers">Viewers' open pages (Blazor circuits whose browser is connected) plus other clients following over the hub.</param>
/// <param name="Following">Of those, the ones following the presenter.</param>
public readonly record struct AudienceCount(int Viewers, int Following);

/// <summary>The room, live: every viewer's circuit (connected or not, following or not) and every hub connection
/// that follows the presenter from another client. Singleton; <see cref="Changed"/> tells the presenter's app bar.</summary>
/// <remarks>Presenters are not counted. A circuit whose browser dropped (closed laptop, lost network) does not
/// count until it comes back; Blazor keeps it for a few minutes, then closes it.</remarks>
public sealed class Audience
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Member> _members = [];
    private AudienceCount _count;

    /// <summary>The count now.</summary>
    public AudienceCount Count { get { lock (_lock) return _count; } }

    /// <summary>Raised after the count changed (on the thread that changed it).</summary>
    public event Action<AudienceCount>? Changed;

    /// <summary>A viewer's circuit opened (or a hub client started following); <paramref name="id"/> is unique per member.</summary>
    public void Join(string id, bool following) => Update(id, m => m with { Connected = true, Following = following }, create: true);

    /// <summary>The member's browser went away for now (it may come back: <see cref="Reconnected"/>).</summary>
    public void Disconnected(string id) => Update(id, m => m with { Connected = false });

    public void Reconnected(string id) => Update(id, m => m with { Connected = true });

    /// <summary>The viewer turned following on or off.</summary>
    public void SetFollowing(string id, bool following) => Update(id, m => m with { Following = following });

    /// <summary>The circuit closed (or the hub client disconnected): it no longer counts.</summary>
    public void Leave(string id)
    {
        AudienceCount? changed;
        lock (_lock)
        {
            if (!_members.Remove(id)) return;
            changed = Recount();
        }
        if (changed is { } c) Changed?.Invoke(c);
    }

    private void Update(string id, Func<Member, Member> change, bool create = false)
    {
        AudienceCount? changed;
        lock (_lock)
        {
            if (!_members.TryGetValue(id, out var member))
            {
                if (!create) return;
                member = new Member(false, false);
            }
            _members[id] = change(member);
            changed = Recount();
        }
        if (changed is { } c) Changed?.Invoke(c);
    }

    // Under the lock: the new count, or null when it did not change.
    private AudienceCount? Recount()
    {
        int viewers = 0, following = 0;
        foreach (var m in _members.Values)
        {
            if (!m.Connected) continue;
            viewers++;
            if (m.Following) following++;
        }
        var count = new AudienceCount(viewers, following);
        if (count == _count) return null;
        _count = count;
        return count;
    }

    private sealed record Member(bool Connected, bool Following);
}
