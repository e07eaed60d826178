using System.Text.Json;
using Microsoft.Extensions.Options;
using PolyakCore.Explorer;
using PolyakCore.Export;
using PolyakCore.Training;
using PolyakDashboard.Explorer;
using PolyakDashboard.Runs;
using PolyakDashboard.Security;

namespace PolyakDashboard.Api;

/// <summary>Presenter sign-in for browsers (a cookie), who-am-I, and the explorer's race for scripts (rate-limited).</summary>
public static class PresenterApi
{
    public const string SessionPath = "/api/presenter/session";

    public sealed record SignIn(string? Key);

    public static IEndpointRouteBuilder MapPresenterApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(SessionPath, SignInAsync).RequireRateLimiting(RateLimits.SignIn);
        app.MapDelete(SessionPath, (HttpResponse response) =>
        {
            response.Cookies.Delete(Presenter.Cookie);
            return Results.NoContent();
        });
        app.MapGet("/api/presenter", (HttpContext http, PresenterPresence presence) => Results.Ok(new
        {
            role = http.User.IsPresenter() ? "presenter" : "viewer",
            presenterAt = presence.Current,
        }));
        app.MapGet("/api/explorer/race", Race).RequireRateLimiting(RateLimits.Computation);
        return app;
    }

    /// <summary>Checks the key (JSON body <c>{ "key": … }</c>) and sets the sign-in cookie; 401 for a wrong key.</summary>
    private static async Task<IResult> SignInAsync(HttpContext http, PresenterKey key, IOptions<PresenterOptions> options, KeyGuessLimiter guesses)
    {
        string client = RateLimits.ClientOf(http);
        if (guesses.IsBlocked(client))
        {
            http.Response.Headers.RetryAfter = "60";
            return Results.Problem(statusCode: 429, title: "Too many wrong keys", detail: KeyGuessLimiter.Detail);
        }
        SignIn? body;
        try
        {
            body = await http.Request.ReadFromJsonAsync<SignIn>(PolyakJson.Options, http.RequestAborted);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or BadHttpRequestException)
        {
            return RunsApi.Invalid([new FieldError("key", "Send { \"key\": \"…\" } as JSON.")]);
        }
        if (!key.Matches(body?.Key))
        {
            guesses.RecordFailure(client);
            return Results.Problem(statusCode: 401, title: "Invalid presenter key", detail: "That is not the presenter key (it is set in Presenter:Key or printed when the server starts).");
        }
        http.Response.Cookies.Append(Presenter.Cookie, key.CookieToken, new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = http.Request.IsHttps, IsEssential = true,
            Expires = DateTimeOffset.UtcNow.AddDays(Math.Max(1, options.Value.CookieDays)),
        });
        return Results.Ok(new { role = "presenter" });
    }

    /// <summary>The explorer's race for the settings in the query (the page's own URL query): every optimizer's path.</summary>
    private static IResult Race(HttpRequest request, RaceCache races)
    {
        var (settings, problems) = RaceQuery.FromQuery(request.QueryString.Value ?? "");
        var errors = problems.Select(p => new FieldError("query", p)).Concat(TwoWellRace.Validate(settings)).ToList();
        if (errors.Count > 0) return RunsApi.Invalid(errors);
        var race = races.Get(settings);
        return Results.Json(race, PolyakJson.Options);
    }
}
