using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace PolyakDashboard.Api;

/// <summary>Where ASP.NET Core's schemas and our JSON (PolyakJson) disagree, the schemas follow the JSON: ApiDocsTests
/// validate real answers against them.</summary>
internal static class SchemaFixes
{
    /// <summary>Our JSON leaves out null properties (PolyakJson: WhenWritingNull), so a property that can be null is not
    /// required, whatever the record's constructor says.</summary>
    public static Task OptionalNullsAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancel)
    {
        if (context.JsonPropertyInfo is not null || schema.Required is not { Count: > 0 } required) return Task.CompletedTask;
        foreach (var property in context.JsonTypeInfo.Properties)
            if (property.IsGetNullable || Nullable.GetUnderlyingType(property.PropertyType) is not null)
                required.Remove(property.Name);
        return Task.CompletedTask;
    }

    /// <summary>A type that keeps unknown members (ProblemDetails' extensions: traceId…) takes more properties, though our
    /// reading of requests refuses unknown ones everywhere else.</summary>
    public static Task ExtensionDataAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancel)
    {
        if (context.JsonPropertyInfo is null && context.JsonTypeInfo.Properties.Any(p => p.IsExtensionData))
        {
            schema.AdditionalProperties = null;
            schema.AdditionalPropertiesAllowed = true;
        }
        return Task.CompletedTask;
    }

    /// <summary>Our JSON writes NaN and ±Infinity as strings (a diverged run has them). ASP.NET Core's generator
    /// describes such a number as <c>"type": "object"</c> with <c>anyOf</c> [number, the three strings], which no number
    /// passes; this drops the wrong type and lets a nullable number be null.</summary>
    public static Task NamedNumbersAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancel)
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
