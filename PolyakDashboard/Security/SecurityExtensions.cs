using System.Threading.RateLimiting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace PolyakDashboard.Security;

/// <summary>Names of the HTTP rate-limiting policies: <c>.RequireRateLimiting(RateLimits.Computation)</c>.</summary>
public static class RateLimits
{
    /// <summary>Viewer-triggered computations (explorer races, generation…): a token bucket per client address,
    /// sized by <see cref="ViewerLimitOptions"/>; presenters are not limited.</summary>
    public const string Computation = "computation";

    /// <summary>Presenter sign-in attempts: <see cref="ViewerLimitOptions.SignInsPerMinute"/> per client address.</summary>
    public const string SignIn = "sign-in";

    /// <summary>Which client a request counts against: its address (every in-memory test request is "local").</summary>
    public static string ClientOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "local";
}

/// <summary>Registration of the presenter role (authentication handler, policy), the viewer limits and the HTTP rate limiter.</summary>
public static class SecurityExtensions
{
    public static WebApplicationBuilder AddPresenterSecurity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.Configure<PresenterOptions>(builder.Configuration.GetSection("Presenter"));
        services.Configure<ViewerLimitOptions>(builder.Configuration.GetSection("Viewers"));
        services.Configure<SiteOptions>(builder.Configuration.GetSection("Security"));
        services.AddSingleton<PresenterKey>();
        services.AddSingleton<HostFilter>();
        services.AddSingleton<KeyGuessLimiter>();
        // Behind a proxy on this machine that terminates TLS: its X-Forwarded-Proto makes the request HTTPS (the
        // cookie Secure, same-origin checks against https://). Only the scheme: the client address stays the
        // connection's, so nobody can pick their own rate-limit partition with X-Forwarded-For — unless the proxies are
        // named (Security:Proxies): theirs is then the client's address (limits per student, not one for the room).
        var proxies = TrustedProxies(builder.Configuration.GetSection("Security:Proxies").Get<string[]>() ?? []);
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedProto;
            if (proxies.Count == 0) return;
            o.ForwardedHeaders |= ForwardedHeaders.XForwardedFor;
            o.ForwardLimit = 1;                    // the address the named proxy saw, never one a client wrote further left
            o.KnownIPNetworks.Clear();
            o.KnownProxies.Clear();
            foreach (var proxy in proxies) o.KnownProxies.Add(proxy);
        });
        services.AddAuthentication(Presenter.Scheme)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, PresenterAuthenticationHandler>(Presenter.Scheme, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Presenter.Policy, p => p.AddAuthenticationSchemes(Presenter.Scheme).RequireAuthenticatedUser().RequireRole(Presenter.Role));
        services.AddSingleton<HeavyComputationGate>();
        services.AddScoped<ViewerSession>();
        services.AddScoped<CircuitConnection>();
        services.AddScoped<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler>(sp => sp.GetRequiredService<CircuitConnection>());
        // The room: who watches, who follows (the presenter's app bar), and where the room reaches this server.
        services.Configure<Lecture.LectureOptions>(builder.Configuration.GetSection("Lecture"));
        services.AddSingleton<Lecture.Audience>();
        services.AddSingleton<Lecture.RoomAddresses>();
        services.AddScoped<Lecture.AudienceTracker>();
        services.AddScoped<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler>(sp => sp.GetRequiredService<Lecture.AudienceTracker>());
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (context, cancel) =>
            {
                string wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? $" Try again in {Math.Ceiling(retry.TotalSeconds)} s." : "";
                if (retry > TimeSpan.Zero) context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString();
                await Results.Problem(statusCode: 429, title: "Too many requests",
                    detail: "This address has asked for too many computations in a short time." + wait).ExecuteAsync(context.HttpContext);
            };
            o.AddPolicy(RateLimits.Computation, context =>
            {
                if (context.User.IsPresenter()) return RateLimitPartition.GetNoLimiter("presenter");
                var limits = context.RequestServices.GetRequiredService<IOptions<ViewerLimitOptions>>().Value;
                return RateLimitPartition.GetTokenBucketLimiter(RateLimits.ClientOf(context), _ => ViewerSession.Bucket(limits));
            });
            o.AddPolicy(RateLimits.SignIn, context =>
            {
                var limits = context.RequestServices.GetRequiredService<IOptions<ViewerLimitOptions>>().Value;
                return RateLimitPartition.GetFixedWindowLimiter(RateLimits.ClientOf(context), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = Math.Max(1, limits.SignInsPerMinute), Window = TimeSpan.FromMinutes(1), QueueLimit = 0,
                });
            });
        });
        return builder;
    }

    /// <summary>Security:Proxies as addresses; a start-up error naming the entry that is not one.</summary>
    private static List<System.Net.IPAddress> TrustedProxies(string[] entries) => [.. entries.Select(entry =>
        System.Net.IPAddress.TryParse(entry.Trim(), out var address) ? address
            : throw new ArgumentException($"Security:Proxies: '{entry}' is not an IP address (name each proxy by the address it connects from)."))];

    /// <summary>The request guard (host, origin, body type, key guessing, security headers), then authentication,
    /// authorization and rate limiting, in that order; prints the presenter key once the server listens.</summary>
    public static WebApplication UsePresenterSecurity(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.UseMiddleware<RequestGuard>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var key = app.Services.GetRequiredService<PresenterKey>();
            if (key.IsConfigured) app.Logger.LogInformation("Presenter key: set in configuration (Presenter:Key).");
            else if (key.LocalUserIsPresenter)
                app.Logger.LogInformation("Presenter: the local user (no Presenter:Key is set and this server listens on localhost only).");
            else app.Logger.LogWarning("Presenter key (generated; set Presenter:Key to choose one): {Key}", key.Value);
        });
        return app;
    }
}
