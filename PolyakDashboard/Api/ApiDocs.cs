using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using PolyakDashboard.Security;
using Scalar.AspNetCore;

namespace PolyakDashboard.Api;

/// <summary>The HTTP API described: an OpenAPI document at <c>/openapi/v1.json</c> (ASP.NET Core's own generator) and an
/// interactive reference at <c>/api/docs</c> (Scalar, its script served from this server). Both are read-only GETs
/// that anyone may read; neither names the presenter key.</summary>
public static class ApiDocs
{
    public const string DocumentPath = "/openapi/v1.json", ReferencePath = "/api/docs";

    /// <summary>The security schemes: the header scripts send and the cookie the sign-in sets.</summary>
    public const string KeyScheme = "presenterKey", CookieScheme = "presenterCookie";

    private static readonly (string Name, string Description)[] Tags =
    [
        ("Runs", "Start, follow, cancel, export and import single runs."),
        ("Run history", "The stored runs: a page of the table, comparison lines, exports."),
        ("Experiments", "The report's experiments (1a–1e): their grids, ensembles over seeds and findings."),
        ("Child speech", "Corpora, model presets, checkpoints and text generation (1d)."),
        ("Presenter", "Signing in as the presenter, and who is presenting."),
        ("Explorer", "The two-well explorer's race."),
    ];

    public static WebApplicationBuilder AddApiDocs(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi("v1", options =>
        {
            // Component names as OpenAPI allows them (a tuple's default name has brackets).
            options.CreateSchemaReferenceId = type =>
                OpenApiOptions.CreateDefaultSchemaReferenceId(type) is { } id ? new string([.. id.Where(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_')]) : null;
            options.AddDocumentTransformer((document, _, _) => { Describe(document); return Task.CompletedTask; });
            options.AddOperationTransformer(DescribeOperationAsync);
            options.AddSchemaTransformer(SchemaFixes.NamedNumbersAsync);
            options.AddSchemaTransformer(SchemaFixes.OptionalNullsAsync);
            options.AddSchemaTransformer(SchemaFixes.ExtensionDataAsync);
            options.AddSchemaTransformer((schema, context, _) =>
            {
                if (context.JsonPropertyInfo is null && ApiDescriptions.Examples.TryGetValue(context.JsonTypeInfo.Type, out var example))
                    schema.Example = System.Text.Json.Nodes.JsonNode.Parse(example);
                return Task.CompletedTask;
            });
        });
        builder.Services.TryAddEnumerable(ServiceDescriptor.Transient<IApiDescriptionProvider, DescribedApi>());
        return builder;
    }

    /// <summary>Maps the document and the reference (GET only, for everyone).</summary>
    public static WebApplication MapApiDocs(this WebApplication app)
    {
        // Generating the document costs about 0.1 s of CPU: a viewer's requests count against their computation budget.
        app.MapOpenApi("/openapi/{documentName}.json").RequireRateLimiting(RateLimits.Computation);
        app.MapScalarApiReference(ReferencePath, (options, http) => options
            .WithTitle("Polyak Dashboard API")
            .WithOpenApiRoutePattern("/openapi/{documentName}.json")
            // The page's scripts carry the nonce of this response's Content-Security-Policy (RequestGuard sets it).
            .WithNonce(ContentSecurity.Nonce(http))
            // Offline and private: no web fonts, telemetry, AI agent, or the toolbar of Scalar's hosted services
            // (share, SDK generation, deploy: they would send the document elsewhere).
            .HideDeveloperTools()
            .DisableDefaultFonts()
            .DisableTelemetry()
            .DisableAgent()
            .AddPreferredSecuritySchemes(KeyScheme));
        return app;
    }

    private static void Describe(OpenApiDocument document)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Polyak Dashboard API",
            Version = "v1",
            Description = """
                Everything the dashboard's pages do, for scripts and notebooks: start runs and experiments, follow them,
                read their records, export and import them, generate text from checkpoints.

                **Presenter calls** (marked "Auth Required") start, cancel, delete, import, annotate and upload: send the presenter
                key in the `X-Presenter-Key` header (or sign in for the cookie). While the server listens on localhost only and
                no key is set, the local user is the presenter without one. Everything else is open to every viewer.

                **Errors** are `application/problem+json` (RFC 9457): a 400 names each bad field under `errors`. Any call may
                also answer 400 for a `Host` the server does not answer to, and a 500 names no internals.

                **From a browser**, calls that change something are taken only from the dashboard's own pages (403 otherwise),
                with the body type the call names (415 otherwise). Live data: the SignalR hub `/hubs/training`.
                """,
        };
        document.Tags = new HashSet<OpenApiTag>(Tags.Select(t => new OpenApiTag { Name = t.Name, Description = t.Description }));
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
        {
            [KeyScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = Presenter.Header,
                Description = "The presenter key: Presenter:Key in the server's configuration, or the one it printed at start-up.",
            },
            [CookieScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Cookie, Name = Presenter.Cookie,
                Description = "Set by POST /api/presenter/session (HttpOnly, SameSite=Strict): a browser sends it by itself.",
            },
        };
    }

    private static Task DescribeOperationAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancel)
    {
        var description = context.Description;
        string method = description.HttpMethod ?? "GET";
        bool presenter = ApiDescriptions.IsPresenterOnly(description.ActionDescriptor.EndpointMetadata);
        if (ApiDescriptions.All.TryGetValue(ApiDescriptions.Key(method, description.RelativePath), out var described))
        {
            operation.Summary = described.Summary;
            operation.Description = described.Description;
            operation.Tags = new HashSet<OpenApiTagReference> { new(described.Tag, context.Document) };
            // One description per status: the answers' own words (ApiResponseType has no room for them); text and
            // files (CSV, zips, uploads) as strings and bytes rather than the JSON answer's schema.
            foreach (var status in described.Answers.GroupBy(a => a.Status))
                if (operation.Responses?.TryGetValue(status.Key.ToString(), out var response) == true && response is OpenApiResponse r)
                {
                    r.Description = string.Join(" ", status.Select(a => a.Description));
                    NotJson(r.Content);
                }
            if (operation.RequestBody is OpenApiRequestBody body) NotJson(body.Content);
        }
        foreach (var (status, words) in ApiDescriptions.Guarded)
            if (operation.Responses?.TryGetValue(status.ToString(), out var response) == true && response is OpenApiResponse r && !Described(described, status))
                r.Description = words;

        if (presenter)
        {
            operation.Security =
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(KeyScheme, context.Document)] = [] },
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(CookieScheme, context.Document)] = [] },
            ];
            operation.Description = (operation.Description is { Length: > 0 } d ? d + "\n\n" : "") + "**Presenter only.**";
        }
        return Task.CompletedTask;
    }

    private static void NotJson(IDictionary<string, OpenApiMediaType>? content)
    {
        foreach (var (type, media) in content ?? new Dictionary<string, OpenApiMediaType>())
        {
            if (type.EndsWith("json", StringComparison.Ordinal)) continue;
            media.Schema = type.StartsWith("text/", StringComparison.Ordinal)
                ? new OpenApiSchema { Type = JsonSchemaType.String }
                : new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" };
        }
    }

    private static bool Described(ApiDescriptions.Operation? operation, int status) => operation?.Answers.Any(a => a.Status == status) == true;
}
