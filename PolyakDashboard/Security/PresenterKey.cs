using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace PolyakDashboard.Security;

/// <summary>The presenter key in force (configured, or generated at start-up) and how a request proves it.</summary>
/// <remarks>The browser's cookie holds an HMAC of the key, not the key: it changes when the key does and
/// shows nothing of it. Comparisons are constant-time.</remarks>
public sealed class PresenterKey
{
    private readonly byte[] _keyHash;
    private readonly string _cookieToken;
    private readonly IServer? _server;
    private bool? _localOnly;

    public PresenterKey(IOptions<PresenterOptions> options, IServer? server = null)
    {
        _server = server;
        IsConfigured = !string.IsNullOrWhiteSpace(options.Value.Key);
        Value = IsConfigured ? options.Value.Key!.Trim() : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        _keyHash = SHA256.HashData(Encoding.UTF8.GetBytes(Value));
        _cookieToken = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Value), "polyak-presenter-cookie"u8));
    }

    /// <summary>The key (as configured, or the generated one).</summary>
    public string Value { get; }

    /// <summary>True when the key came from configuration.</summary>
    public bool IsConfigured { get; }

    /// <summary>What the sign-in cookie holds.</summary>
    public string CookieToken => _cookieToken;

    public bool Matches(string? key) => key is not null &&
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(key.Trim())), _keyHash);

    public bool MatchesCookie(string? token) => token is not null &&
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(_cookieToken));

    /// <summary>No key configured and the server listens on loopback addresses only: then whoever connects
    /// from this machine is the presenter (a laptop's `dotnet run` just works).</summary>
    public bool LocalUserIsPresenter => !IsConfigured && (_localOnly ?? ListensOnLoopbackOnly());

    /// <summary>A request from this machine (an in-memory test server has no remote address at all).</summary>
    public static bool IsLocal(HttpContext context) =>
        context.Connection.RemoteIpAddress is not { } remote || IPAddress.IsLoopback(remote);

    // Cached once the server has addresses (asked before Kestrel has bound, the answer could still change).
    private bool ListensOnLoopbackOnly()
    {
        var addresses = _server?.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        if (addresses.Count == 0) return true;       // none: an in-memory test server
        return (_localOnly = addresses.All(IsLoopbackAddress)).Value;
    }

    public static bool IsLoopbackAddress(string address)
    {
        try
        {
            string host = BindingAddress.Parse(address).Host.Trim('[', ']');
            return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
                || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
        }
        catch (FormatException) { return false; }
    }
}
