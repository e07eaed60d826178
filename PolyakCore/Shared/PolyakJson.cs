using System.Text.Json;
using System.Text.Json.Serialization;

namespace PolyakCore.Shared;

/// <summary>The one JSON shape of requests, summaries and records: camelCase, enums as lowercase
/// strings, NaN and ±Infinity as strings (a diverged run has them, and plain JSON cannot).</summary>
public static class PolyakJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true });

    /// <summary>Applies our settings to options owned by someone else (ASP.NET Core's, SignalR's).</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false));
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        return options;
    }
}
