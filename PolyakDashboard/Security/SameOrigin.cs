using System.Net;

namespace PolyakDashboard.Security;

/// <summary>Whether a request comes from a page of this dashboard or from another site, as far as the browser says
/// (<c>Origin</c>, <c>Referer</c>, <c>Sec-Fetch-Site</c>). A request with none of them is not a browser's cross-site
/// request (scripts, curl, tests): browsers send <c>Origin</c> on every cross-origin fetch and every POST they make.</summary>
/// <remarks>Same origin means the same scheme, host and port as the request itself (after a local proxy's
/// <c>X-Forwarded-Proto</c>). "same-site" is not enough: another app on localhost:8080 is the same site as localhost:5000.</remarks>
public static class SameOrigin
{
    /// <summary>Null when the request may be the dashboard's own (or a non-browser's), else why it is another site's.</summary>
    /// <param name="referer">Also judge by <c>Referer</c> when there is no <c>Origin</c> (for requests that change
    /// something; a page navigated to from elsewhere legitimately has a foreign referer).</param>
    public static string? CrossSiteReason(HttpRequest request, bool referer = true)
    {
        var headers = request.Headers;
        if (headers.Origin.Count > 0)
        {
            string origin = headers.Origin.ToString();
            if (!Matches(origin, request)) return $"the request comes from another site (Origin: {Shorten(origin)})";
        }
        else if (referer && headers.Referer.Count > 0 && !Matches(headers.Referer.ToString(), request))
            return $"the request comes from another site (Referer: {Shorten(headers.Referer.ToString())})";
        string fetchSite = headers["Sec-Fetch-Site"].ToString();
        if (fetchSite.Length > 0 && fetchSite is not ("same-origin" or "none"))
            return $"the browser says the request comes from another site (Sec-Fetch-Site: {Shorten(fetchSite)})";
        return null;
    }

    public static bool IsCrossSite(HttpRequest request, bool referer = true) => CrossSiteReason(request, referer) is not null;

    /// <summary>True when <paramref name="url"/> (an origin or a full URL) has the request's scheme, host and port.
    /// "null" (a sandboxed or privacy-stripped origin) never matches.</summary>
    public static bool Matches(string url, HttpRequest request)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")) return false;
        if (!string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var host = request.Host;
        if (!host.HasValue) return false;
        int port = host.Port ?? (request.IsHttps ? 443 : 80);
        return uri.Port == port && SameHost(uri.Host, host.Host);
    }

    private static bool SameHost(string a, string b)
    {
        a = a.Trim('[', ']');
        b = b.Trim('[', ']');
        if (IPAddress.TryParse(a, out var ipA) && IPAddress.TryParse(b, out var ipB)) return ipA.Equals(ipB);
        return string.Equals(a.TrimEnd('.'), b.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);
    }

    private static string Shorten(string value) => value.Length <= 100 ? value : value[..100] + "…";
}
