using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace PolyakDashboard.Security;

/// <summary>Names shared by the handler, the policy, the API and the UI.</summary>
public static class Presenter
{
    /// <summary>The authentication scheme (the default one: every request is read by it).</summary>
    public const string Scheme = "Presenter";

    /// <summary>The authorization policy that mutating endpoints and hub methods require:
    /// <c>.RequirePresenter()</c> on an endpoint, <c>[Authorize(Presenter.Policy)]</c> on a hub method.</summary>
    public const string Policy = "Presenter";

    public const string Role = "presenter";

    /// <summary>Scripts send the key in this header.</summary>
    public const string Header = "X-Presenter-Key";

    /// <summary>Browsers keep the proof of the key in this cookie.</summary>
    public const string Cookie = "polyak-presenter";

    public static bool IsPresenter(this ClaimsPrincipal? user) => user?.IsInRole(Role) == true;

    /// <summary>Adds the presenter policy to an endpoint or a group: no or a wrong key gets 401.</summary>
    public static TBuilder RequirePresenter<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(Policy);
}

/// <summary>Reads the presenter key from the <c>X-Presenter-Key</c> header or the sign-in cookie (or trusts the
/// local user when no key is configured and the server listens on localhost only). A presenter is an
/// authenticated user in role "presenter"; everyone else is an anonymous viewer.</summary>
/// <remarks>A wrong key in the header fails authentication (401 on protected endpoints); a stale cookie, e.g.
/// after the key changed, just makes a viewer.</remarks>
public sealed class PresenterAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, PresenterKey key,
    KeyGuessLimiter guesses)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Request.Headers.TryGetValue(Presenter.Header, out var header))
        {
            if (key.Matches(header.ToString())) return Task.FromResult(Success("key"));
            guesses.RecordFailure(RateLimits.ClientOf(Context));      // past the limit, RequestGuard refuses the header (429)
            return Task.FromResult(AuthenticateResult.Fail("The presenter key is not valid."));
        }
        if (Request.Cookies.TryGetValue(Presenter.Cookie, out var token) && key.MatchesCookie(token))
            return Task.FromResult(Success("cookie"));
        // The local convenience is for this machine's own pages and scripts: never for a request another site made
        // in the local user's browser (RequestGuard refuses those where they change anything; here they stay viewers).
        if (key.LocalUserIsPresenter && PresenterKey.IsLocal(Context) && !SameOrigin.IsCrossSite(Request, referer: false))
            return Task.FromResult(Success("local"));
        return Task.FromResult(AuthenticateResult.NoResult());
    }

    private AuthenticateResult Success(string how)
    {
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "presenter"), new Claim(ClaimTypes.Role, Presenter.Role),
            new Claim("presenter-via", how)], Scheme.Name);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    /// <summary>401 with a ProblemDetails body that says what to do.</summary>
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        bool wrongKey = result.Failure is not null;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = Presenter.Scheme;
        await Results.Problem(statusCode: 401, title: wrongKey ? "Invalid presenter key" : "Presenter only",
            detail: (wrongKey ? "The X-Presenter-Key header does not hold the presenter key. " : "")
                + "Starting, cancelling and deleting runs is for the presenter: send the key in the X-Presenter-Key header, or sign in in the app bar.")
            .ExecuteAsync(Context);
    }
}
