using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace PolyakDashboard.Api;

/// <summary>Our JSON writes NaN and ±Infinity as strings (PolyakJson: a diverged run has them). ASP.NET Core's
/// generator describes such a number as <c>"type": "object"</c> with <c>anyOf</c> [number, the three strings], which
/// no number passes; this drops the wrong type and lets a nullable number be null.</summary>
internal static class NamedNumbers
{
    public static Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancel)
    {
        if (schema.AnyOf is not { Count: > 0 } alternatives || !alternatives.Any(IsNamedLiterals)) return Task.CompletedTask;
        schema.Type = null;
        var type = context.JsonPropertyInfo?.PropertyType ?? context.JsonTypeInfo.Type;
        if (Nullable.GetUnderlyingType(type) is not null && !alternatives.Any(a => a.Type == JsonSchemaType.Null))
            alternatives.Add(new OpenApiSchema { Type = JsonSchemaType.Null });
        return Task.CompletedTask;
    }

    private static bool IsNamedLiterals(IOpenApiSchema schema) =>
        schema.Enum is { Count: 3 } values && values.Any(v => v?.ToString().Trim('"') == "NaN");
}
