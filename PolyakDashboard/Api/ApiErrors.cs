namespace PolyakDashboard.Api;

/// <summary>Errors of API calls as <c>application/problem+json</c>, never the pages' HTML: an unhandled exception is a
/// 500 ProblemDetails (logged; no stack trace in the answer), and an error status without a body (an unknown API path,
/// a method the path does not take) gets a ProblemDetails body instead of the not-found page.</summary>
/// <remarks>Sits inside the UI's exception handler and status-code pages, so those only ever see pages.</remarks>
public sealed class ApiErrors(RequestDelegate next, ILogger<ApiErrors> logger)
{
    public static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api");

    public async Task InvokeAsync(HttpContext context)
    {
        if (!IsApi(context.Request))
        {
            await next(context);
            return;
        }
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;                                           // the client has gone: nobody to answer
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            context.Response.Clear();                         // the client's fault (a body too large, cut short…): its own status
            await Results.Problem(statusCode: e.StatusCode, title: "Bad request", detail: e.Message).ExecuteAsync(context);
            return;
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            logger.LogError(e, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
            context.Response.Clear();
            await Results.Problem(statusCode: StatusCodes.Status500InternalServerError, title: "Internal server error",
                detail: "The server failed to answer this call; it has been logged. Nothing you sent was wrong in a way it could name.")
                .ExecuteAsync(context);
            return;
        }
        var response = context.Response;
        if (response.StatusCode >= 400 && !response.HasStarted && response.ContentLength is null or 0 && string.IsNullOrEmpty(response.ContentType))
        {
            string title = response.StatusCode switch
            {
                404 => "Not found",
                405 => "Method not allowed",
                _ => "Request failed",
            };
            string detail = response.StatusCode switch
            {
                404 => $"There is no API call {context.Request.Path}.",
                405 => $"{context.Request.Method} is not one of the methods {context.Request.Path} takes.",
                _ => $"The call ended with status {response.StatusCode}.",
            };
            await Results.Problem(statusCode: response.StatusCode, title: title, detail: detail).ExecuteAsync(context);
        }
    }
}
