using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;

namespace PolyakDashboard.Security;

/// <summary>Who is at the other end of one Blazor circuit (presenter or viewer), whether they follow the presenter,
/// and their budget of computations (scoped: one per circuit).</summary>
/// <remarks>The role comes from the circuit's user, which the presenter authentication handler set when the
/// browser connected; signing in or out reloads the page, so it never changes during a circuit.</remarks>
public sealed class ViewerSession : IDisposable
{
    private readonly Task<AuthenticationState>? _state;
    private readonly TokenBucketRateLimiter _bucket;
    private readonly ViewerLimitOptions _limits;

    public ViewerSession(IOptions<ViewerLimitOptions> limits, AuthenticationStateProvider? auth = null)
    {
        _limits = limits.Value;
        _bucket = new TokenBucketRateLimiter(Bucket(_limits));
        _state = auth?.GetAuthenticationStateAsync();
    }

    /// <summary>True for the presenter; false for a viewer (and while the role is not known yet).</summary>
    public bool IsPresenter => _state is { IsCompletedSuccessfully: true } s && s.Result.User.IsPresenter();

    /// <summary>How the presenter proved it: "cookie", "key" or "local" (no key configured, localhost only); null for a viewer.</summary>
    public string? PresenterVia => IsPresenter ? _state!.Result.User.FindFirst("presenter-via")?.Value : null;

    /// <summary>The role, waiting for it if need be.</summary>
    public async Task<bool> IsPresenterAsync() => _state is not null && (await _state).User.IsPresenter();

    /// <summary>A viewer's pages follow the presenter's (the app bar's toggle). Default: true.</summary>
    public bool Following
    {
        get => _following;
        set
        {
            if (_following == value) return;
            _following = value;
            FollowingChanged?.Invoke(value);
        }
    }
    private bool _following = true;

    /// <summary>Raised when <see cref="Following"/> changes (the room's count of followers listens).</summary>
    public event Action<bool>? FollowingChanged;

    /// <summary>What an escape map costs against the budget.</summary>
    public int EscapeMapCost => Math.Max(1, _limits.EscapeMapCost);

    /// <summary>What viewers see on a button they may not use.</summary>
    public const string PresenterOnly = "Presenter only — sign in";

    /// <summary>Takes <paramref name="cost"/> computations from this viewer's budget: null when granted (always for
    /// the presenter), else the message to show.</summary>
    public string? TryCompute(int cost = 1)
    {
        if (IsPresenter) return null;
        cost = Math.Clamp(cost, 1, Math.Max(1, _limits.ComputationBurst));   // more than the bucket holds would throw
        using var lease = _bucket.AttemptAcquire(cost);
        return lease.IsAcquired ? null
            : $"Too many computations at once: viewers get {_limits.ComputationBurst} in a burst and {_limits.ComputationsPerSecond:0.#} more a second. Wait a moment and try again.";
    }

    /// <summary>The token bucket one viewer (circuit or client address) gets.</summary>
    public static TokenBucketRateLimiterOptions Bucket(ViewerLimitOptions limits)
    {
        double perSecond = Math.Max(0.01, limits.ComputationsPerSecond);
        int burst = Math.Max(1, limits.ComputationBurst);
        // Whole tokens: refill one token every 1/perSecond seconds (or several every second when faster).
        int tokens = Math.Max(1, (int)Math.Round(perSecond));
        var period = TimeSpan.FromSeconds(tokens / perSecond);
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst, TokensPerPeriod = tokens, ReplenishmentPeriod = period, AutoReplenishment = true, QueueLimit = 0,
        };
    }

    public void Dispose() => _bucket.Dispose();
}

/// <summary>Heavy computations (escape maps) running at once over the whole server; past the limit a viewer is
/// told the server is busy instead of queueing work behind everyone else's.</summary>
public sealed class HeavyComputationGate(IOptions<ViewerLimitOptions> limits) : IDisposable
{
    private readonly ConcurrencyLimiter _limiter = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = Math.Max(1, limits.Value.MaxConcurrentHeavyComputations), QueueLimit = 0,
    });

    public const string Busy = "The server is busy with other maps right now; try again in a few seconds.";

    /// <summary>A lease to hold while computing (dispose it), or null when the server is busy.</summary>
    public IDisposable? TryEnter()
    {
        var lease = _limiter.AttemptAcquire();
        if (lease.IsAcquired) return lease;
        lease.Dispose();
        return null;
    }

    public void Dispose() => _limiter.Dispose();
}
