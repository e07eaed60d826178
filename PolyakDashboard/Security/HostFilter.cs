using System.Net;
using System.Net.NetworkInformation;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace PolyakDashboard.Security;

/// <summary>The <c>Host</c> names this server answers to, against DNS rebinding (a page on evil.example whose name
/// is made to point at 127.0.0.1 reaches the dashboard with <c>Host: evil.example</c>).</summary>
/// <remarks>Allowed: localhost and the loopback addresses; the hosts of the URLs the server listens on (for a
/// wildcard binding such as 0.0.0.0, this machine's own addresses); this machine's name (and name.local); and
/// <see cref="SiteOptions.Hosts"/>. An IP address can only be rebinding when it is not ours, so none of the
/// machine's addresses is refused.</remarks>
public sealed class HostFilter
{
    private readonly IServer? _server;
    private readonly HashSet<string> _names;
    private HashSet<string>? _bound;
    private (DateTime At, HashSet<IPAddress> Addresses) _own = (DateTime.MinValue, []);

    public HostFilter(IOptions<SiteOptions> options, IServer? server = null)
    {
        _server = server;
        string machine = Dns.GetHostName();
        _names = new(StringComparer.OrdinalIgnoreCase) { "localhost", machine, machine + ".local" };
        foreach (var name in options.Value.Hosts ?? []) if (!string.IsNullOrWhiteSpace(name)) _names.Add(Normalize(name.Trim()));
    }

    /// <summary>True when a request with this <c>Host</c> header is for us. No header at all (HTTP/1.0) is allowed:
    /// browsers always send one.</summary>
    public bool IsAllowed(HostString host)
    {
        if (!host.HasValue) return true;
        string name = Normalize(host.Host);
        if (name.Length == 0) return false;
        if (_names.Contains(name) || BoundHosts().Contains(name)) return true;
        if (!IPAddress.TryParse(name, out var ip)) return false;
        return IPAddress.IsLoopback(ip) || OwnAddresses().Contains(ip);
    }

    /// <summary>The names shown in the refusal (for the person who needs to add theirs).</summary>
    public string Describe() => string.Join(", ", _names.Concat(BoundHosts()).Order(StringComparer.OrdinalIgnoreCase));

    private static string Normalize(string host) => host.Trim('[', ']').TrimEnd('.').ToLowerInvariant();

    // The listening URLs' hosts (cached once the server has bound; wildcards stand for the machine's addresses).
    private HashSet<string> BoundHosts()
    {
        if (_bound is { } bound) return bound;
        var addresses = _server?.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var hosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var address in addresses)
        {
            try
            {
                string host = Normalize(BindingAddress.Parse(address).Host);
                if (host is not ("" or "*" or "+" or "0.0.0.0" or "::")) hosts.Add(host);
            }
            catch (FormatException) { }
        }
        if (addresses.Count > 0) _bound = hosts;
        return hosts;
    }

    // This machine's addresses, looked up at most every 30 s (a laptop changes networks during the day).
    private HashSet<IPAddress> OwnAddresses()
    {
        var own = _own;
        if (DateTime.UtcNow - own.At < TimeSpan.FromSeconds(30)) return own.Addresses;
        var addresses = new HashSet<IPAddress>();
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
                foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
                {
                    var a = unicast.Address;
                    if (a.IsIPv6LinkLocal) a = new IPAddress(a.GetAddressBytes());   // without the %scope, as a Host header has it
                    addresses.Add(a);
                }
        }
        catch (NetworkInformationException) { }
        _own = (DateTime.UtcNow, addresses);
        return addresses;
    }
}
