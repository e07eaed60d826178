using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;

namespace PolyakProxy;

/// <summary>The proxy: every path to one cluster of dashboards (<c>Proxy:Dashboards</c>, addresses separated by
/// spaces or commas), each new browser to the next instance in turn, then always to the same one.</summary>
/// <remarks>
/// <para>Affinity by cookie (YARP's HashCookie: a hash of the instance's name, nothing secret), not by client address:
/// a lecture hall behind one NAT still spreads over the instances. An instance that stops answering its health check is
/// left out, and its browsers are sent to another (their circuits are lost with it; Blazor reloads the page).</para>
/// <para>The browser's own <c>Host</c> goes through unchanged: the dashboards' host filter and same-origin checks compare
/// the page's <c>Origin</c> with it, so they hold through the proxy as they do directly (name the proxy's host in the
/// dashboards' <c>Security:Hosts</c> when it is not one of their own names). X-Forwarded-For/-Proto/-Host are set from
/// this connection (YARP's default: what a client sent in them is replaced, never passed on). WebSockets pass through.</para>
/// </remarks>
public static class ProxyApp
{
    public const string AffinityCookie = ".Polyak.Instance";

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.AddFilter("Yarp.ReverseProxy.Health.ActiveHealthCheckMonitor", LogLevel.Warning);   // not every probe
        var dashboards = Dashboards(builder.Configuration["Proxy:Dashboards"]);
        builder.Services.AddReverseProxy().LoadFromMemory([Route()], [Cluster(dashboards)]);
        var app = builder.Build();
        app.MapReverseProxy();
        app.Lifetime.ApplicationStarted.Register(() =>
            app.Logger.LogInformation("Proxying to {Count} dashboards: {Dashboards}", dashboards.Count, string.Join(", ", dashboards)));
        return app;
    }

    /// <summary>The dashboards' base addresses; throws with what is wrong (none given, or not an http(s) URL).</summary>
    public static IReadOnlyList<string> Dashboards(string? setting)
    {
        var addresses = (setting ?? "").Split([' ', ',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (addresses.Length == 0)
            throw new ArgumentException("Name the dashboards: --Proxy:Dashboards \"http://10.0.0.11:5001 http://10.0.0.12:5001\".");
        foreach (var address in addresses)
            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw new ArgumentException($"Proxy:Dashboards: '{address}' is not an http:// or https:// address.");
        return addresses;
    }

    private static RouteConfig Route() => new RouteConfig
    {
        RouteId = "dashboard",
        ClusterId = "dashboards",
        Match = new RouteMatch { Path = "{**path}" },
    }.WithTransformUseOriginalHostHeader();

    private static ClusterConfig Cluster(IReadOnlyList<string> dashboards) => new()
    {
        ClusterId = "dashboards",
        // New browsers in turn: a room arriving together splits evenly (the affinity cookie keeps each where it landed).
        LoadBalancingPolicy = "RoundRobin",
        SessionAffinity = new SessionAffinityConfig
        {
            Enabled = true,
            Policy = "HashCookie",
            FailurePolicy = "Redistribute",
            AffinityKeyName = AffinityCookie,
            Cookie = new SessionAffinityCookieConfig
            {
                HttpOnly = true,
                IsEssential = true,
                SameSite = SameSiteMode.Lax,
                SecurePolicy = CookieSecurePolicy.SameAsRequest,
            },
        },
        HealthCheck = new HealthCheckConfig
        {
            // A cheap GET of the dashboard itself (where the presenter is): every 5 s, out after 2 failures in a row.
            Active = new ActiveHealthCheckConfig { Enabled = true, Interval = TimeSpan.FromSeconds(5), Timeout = TimeSpan.FromSeconds(5), Path = "/api/presenter" },
        },
        Destinations = dashboards.Select((address, i) => (address, i))
            .ToDictionary(d => $"dashboard-{d.i + 1}", d => new DestinationConfig { Address = d.address }),
    };
}
