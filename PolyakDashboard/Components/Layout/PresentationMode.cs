using Microsoft.AspNetCore.WebUtilities;

namespace PolyakDashboard.Components.Layout;

/// <summary>Whether the page is laid out for a projector (cascaded by the layout; pages read it, the layout sets it).</summary>
/// <param name="IsOn">Presentation mode is on.</param>
public sealed record PresentationMode(bool IsOn)
{
    /// <summary>The query parameter that turns it on (<c>?present=1</c>) or off (<c>?present=0</c>) in any URL.</summary>
    public const string QueryKey = "present";

    /// <summary>What a URL asks for: true, false, or null when it does not say.</summary>
    public static bool? Requested(string uri)
    {
        int q = uri.IndexOf('?');
        if (q < 0) return null;
        int hash = uri.IndexOf('#', q);
        var query = QueryHelpers.ParseQuery(hash < 0 ? uri[q..] : uri[q..hash]);
        if (!query.TryGetValue(QueryKey, out var values)) return null;
        return values.ToString() switch { "1" or "true" or "on" or "" => true, "0" or "false" or "off" => false, _ => null };
    }

    /// <summary>A base-relative path without the present parameter: the presenter's projector setting is not the audience's.</summary>
    public static string WithoutQueryKey(string path)
    {
        int q = path.IndexOf('?');
        if (q < 0) return path;
        int hash = path.IndexOf('#', q);
        string fragment = hash < 0 ? "" : path[hash..];
        string query = hash < 0 ? path[(q + 1)..] : path[(q + 1)..hash];
        var kept = query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => !p.Split('=')[0].Equals(QueryKey, StringComparison.OrdinalIgnoreCase)).ToArray();
        return path[..q] + (kept.Length > 0 ? "?" + string.Join('&', kept) : "") + fragment;
    }
}
