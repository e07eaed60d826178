using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace PolyakDashboard.Security;

/// <summary>Failed presenter-key checks per client address, wherever the key was tried (the <c>X-Presenter-Key</c>
/// header on any path or hub, or the sign-in form): past <see cref="ViewerLimitOptions.FailedKeysPerMinute"/>
/// in a minute, every further try from that address is refused (429) until the minute is over, right key or not.</summary>
public sealed class KeyGuessLimiter(IOptions<ViewerLimitOptions> limits) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _failures = PartitionedRateLimiter.Create<string, string>(client =>
        RateLimitPartition.GetFixedWindowLimiter(client, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = Math.Max(1, limits.Value.FailedKeysPerMinute), Window = TimeSpan.FromMinutes(1), QueueLimit = 0,
        }));

    /// <summary>True when this client has used up its failed tries for now.</summary>
    public bool IsBlocked(string client) => _failures.GetStatistics(client)?.CurrentAvailablePermits is 0;

    /// <summary>Counts one wrong key against the client.</summary>
    public void RecordFailure(string client)
    {
        using var lease = _failures.AttemptAcquire(client);
    }

    public const string Detail = "Too many wrong presenter keys from this address; wait a minute before trying again.";

    public void Dispose() => _failures.Dispose();
}
