using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace PolyakDashboard.Security;

/// <summary>What every request passes before anyone looks at who sent it: a <c>Host</c> that is ours (DNS
/// rebinding), no other site driving the dashboard (a foreign <c>Origin</c>, <c>Referer</c> or <c>Sec-Fetch-Site</c>
/// on anything that changes something or opens a live connection), a body of a type the endpoint takes (so a
/// cross-site "simple" request cannot be dressed up as one), no more key guessing from an address past its limit;
/// and the headers every answer carries (<c>nosniff</c>; a Content-Security-Policy on pages).</summary>
/// <remarks>The checks hold for everyone, presenter key or cookie or not. Requests with no browser headers at all
/// (scripts, curl) are not a browser's cross-site requests and pass the origin check.</remarks>
public sealed class RequestGuard(RequestDelegate next, HostFilter hosts, KeyGuessLimiter guesses)
{
    /// <summary>What a mutating API endpoint takes unless it says otherwise (<see cref="UploadTypes"/>).</summary>
    private static readonly string[] JsonOnly = ["application/json"];

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.OnStarting(() => { ContentSecurity.Apply(context); return Task.CompletedTask; });

        if (!hosts.IsAllowed(request.Host))
        {
            await Refuse(context, StatusCodes.Status400BadRequest, "Unknown host",
                $"This server does not answer to the name '{Shorten(request.Host.Host)}'. Names it answers to: {hosts.Describe()} " +
                "and this machine's addresses; add others in Security:Hosts.");
            return;
        }
        if (request.Headers.ContainsKey(Presenter.Header) && guesses.IsBlocked(RateLimits.ClientOf(context)))
        {
            context.Response.Headers.RetryAfter = "60";
            await Refuse(context, StatusCodes.Status429TooManyRequests, "Too many wrong keys", KeyGuessLimiter.Detail);
            return;
        }
        bool changes = !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method));
        if (changes || IsLiveConnection(context))
        {
            if (SameOrigin.CrossSiteReason(request, referer: changes) is { } why)
            {
                await Refuse(context, StatusCodes.Status403Forbidden, "Cross-site request refused",
                    $"Refused because {why}: only the dashboard's own pages, and scripts, may change anything or open a live connection.");
                return;
            }
        }
        if (changes && request.Path.StartsWithSegments("/api") && UnacceptedBody(context) is { } accepted)
        {
            await Refuse(context, StatusCodes.Status415UnsupportedMediaType, "Unsupported content type",
                $"Send the body as {string.Join(" or ", accepted)} (got {(request.ContentType is { Length: > 0 } type ? Shorten(type) : "no Content-Type")}).");
            return;
        }
        await next(context);
    }

    /// <summary>SignalR hubs and Blazor's circuit (negotiate, WebSocket, long polling, server-sent events).</summary>
    private static bool IsLiveConnection(HttpContext context) =>
        context.WebSockets.IsWebSocketRequest || context.Request.Path.StartsWithSegments("/hubs") || context.Request.Path.StartsWithSegments("/_blazor");

    /// <summary>Null when the body's type is one the endpoint takes, else the types it does take. A request without
    /// a body needs no type, but one it names must still be accepted (a cross-site form sends text/plain or
    /// form-urlencoded, with or without content).</summary>
    private static IReadOnlyList<string>? UnacceptedBody(HttpContext context)
    {
        var request = context.Request;
        var accepted = context.GetEndpoint()?.Metadata.GetMetadata<UploadTypes>()?.ContentTypes ?? JsonOnly;
        bool hasBody = request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;
        if (string.IsNullOrEmpty(request.ContentType))
            return hasBody && !accepted.Contains("application/octet-stream") ? accepted : null;   // raw bytes may come untyped
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || type.MediaType.Value is not { } media) return accepted;
        return accepted.Any(a => string.Equals(a, media, StringComparison.OrdinalIgnoreCase)) ? null : accepted;
    }

    private static Task Refuse(HttpContext context, int status, string title, string detail) =>
        Results.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(context);

    private static string Shorten(string value) => value.Length <= 100 ? value : value[..100] + "…";
}

/// <summary>The body types an upload endpoint takes instead of JSON: <c>.WithMetadata(new UploadTypes(…))</c>.</summary>
public sealed record UploadTypes(params string[] ContentTypes);

/// <summary>The Content-Security-Policy of the dashboard's pages: scripts only from this server (and the one inline
/// import map, by nonce), styles from here and inline (MudBlazor and ApexCharts set style attributes), images from
/// here and data:/blob: (chart downloads), connections to this server (Blazor's and the hub's WebSockets), and no
/// framing (a page in another site's frame could be clicked through).</summary>
public static class ContentSecurity
{
    private const string NonceKey = "polyak-csp-nonce";

    /// <summary>This response's script nonce (App.razor puts it on the import map).</summary>
    public static string Nonce(HttpContext context)
    {
        if (context.Items[NonceKey] is string nonce) return nonce;
        nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        context.Items[NonceKey] = nonce;
        return nonce;
    }

    /// <summary>Adds the policy to an HTML answer.</summary>
    public static void Apply(HttpContext context)
    {
        var response = context.Response;
        if (response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) != true) return;
        string socket = (context.Request.IsHttps ? "wss://" : "ws://") + context.Request.Host.Value;
        response.Headers.ContentSecurityPolicy = string.Join("; ",
            "default-src 'self'",
            $"script-src 'self' 'nonce-{Nonce(context)}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            $"connect-src 'self' {socket}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'");
    }
}
