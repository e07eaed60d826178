using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using PolyakDashboard.Security;

namespace PolyakDashboard.Lecture;

/// <summary>Where the room reaches this server: the non-loopback URLs among the ones it listens on, a wildcard
/// binding (0.0.0.0, [::], *, +) standing for each of this machine's own addresses.</summary>
/// <param name="Urls">Addresses to give the room, best first (IPv4 before IPv6, private networks first); empty when none.</param>
/// <param name="LocalOnly">The server listens on loopback addresses only: nobody else can reach it.</param>
public sealed record RoomAccess(IReadOnlyList<string> Urls, bool LocalOnly)
{
    /// <summary>The README's one line that opens the server to the room.</summary>
    public const string OpenCommand = "dotnet run --project PolyakDashboard -- --urls http://0.0.0.0:5000";
}

/// <summary>Lecture settings (section "Lecture").</summary>
public sealed class LectureOptions
{
    /// <summary>Addresses to give the room before the ones the server finds itself, for what it cannot know: a reverse
    /// proxy's or a DNS name (<c>Lecture__RoomUrls__0=https://dashboard.example/</c>). Absolute http(s) URLs; others are ignored.</summary>
    public string[]? RoomUrls { get; set; }
}

/// <summary>Computes <see cref="RoomAccess"/> from the configured room URLs, the server's listening addresses and this
/// machine's network interfaces (looked up on each call: a laptop changes networks during the day).</summary>
public sealed class RoomAddresses(IOptions<LectureOptions>? options = null, IServer? server = null)
{
    /// <summary>The room's addresses now.</summary>
    public RoomAccess Current()
    {
        var found = Compute(server?.Features.Get<IServerAddressesFeature>()?.Addresses ?? [], OwnAddresses());
        var configured = (options?.Value.RoomUrls ?? [])
            .Select(u => Uri.TryCreate(u?.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri.AbsoluteUri : null)
            .OfType<string>().ToArray();
        return configured.Length == 0 ? found
            : new RoomAccess([.. configured.Concat(found.Urls).Distinct(StringComparer.OrdinalIgnoreCase)], LocalOnly: false);
    }

    /// <summary>The pure part: listening URLs (as Kestrel reports them) and this machine's addresses in, the room's URLs out.</summary>
    public static RoomAccess Compute(IEnumerable<string> listening, IEnumerable<IPAddress> own)
    {
        var ownUsable = own.Where(IsUsable).Distinct().ToArray();
        var urls = new List<(string Url, int Rank)>();
        bool any = false;
        foreach (var address in listening)
        {
            BindingAddress binding;
            try { binding = BindingAddress.Parse(address); }
            catch (FormatException) { continue; }
            if (binding.IsUnixPipe || binding.IsNamedPipe) continue;
            any = true;
            string host = binding.Host.Trim('[', ']');
            string scheme = binding.Scheme;
            int port = binding.Port;
            if (host is "0.0.0.0" or "::" or "*" or "+" || host.Length == 0)
            {
                bool v6Wildcard = host is "::" or "*" or "+";   // [::] accepts IPv4 too (dual stack); so do * and +
                foreach (var ip in ownUsable.Where(a => a.AddressFamily == AddressFamily.InterNetwork || v6Wildcard))
                    urls.Add((Url(scheme, ip, port), Rank(ip)));
            }
            else if (IPAddress.TryParse(host, out var ip))
            {
                if (!IPAddress.IsLoopback(ip) && !ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.IPv6Any)) urls.Add((Url(scheme, ip, port), Rank(ip)));
            }
            else if (!host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
                urls.Add(($"{scheme}://{host.ToLowerInvariant()}:{port}/", 0));   // a name the operator chose: best
        }
        bool localOnly = !any || listening.All(PresenterKey.IsLoopbackAddress);
        var ordered = urls.OrderBy(u => u.Rank).Select(u => u.Url).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        return new RoomAccess(ordered, localOnly);
    }

    private static string Url(string scheme, IPAddress ip, int port) =>
        ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"{scheme}://[{ip}]:{port}/" : $"{scheme}://{ip}:{port}/";

    // Link-local IPv6 needs a zone id a browser will not take from a QR code; loopback is not the room's.
    private static bool IsUsable(IPAddress ip) =>
        !IPAddress.IsLoopback(ip) && !ip.IsIPv6LinkLocal && !ip.IsIPv6Multicast
        && !ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.IPv6Any) && !(ip.IsIPv4MappedToIPv6 && IPAddress.IsLoopback(ip.MapToIPv4()));

    // Private IPv4 (a lecture hall's network) first, then other IPv4, then IPv6 (unique-local before global).
    private static int Rank(IPAddress ip)
    {
        if (ip.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = ip.GetAddressBytes();
            bool isPrivate = b[0] == 10 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168);
            bool linkLocal = b[0] == 169 && b[1] == 254;
            return isPrivate ? 1 : linkLocal ? 3 : 2;
        }
        return ip.IsIPv6UniqueLocal ? 4 : 5;
    }

    private static IEnumerable<IPAddress> OwnAddresses()
    {
        var addresses = new List<IPAddress>();
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                if (nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback) continue;
                foreach (var unicast in nic.GetIPProperties().UnicastAddresses) addresses.Add(unicast.Address);
            }
        }
        catch (NetworkInformationException) { }
        return addresses;
    }
}
