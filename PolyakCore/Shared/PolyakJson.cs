using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

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
        options.TypeInfoResolver = (options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(NullMeansDefault);
        return options;
    }

    /// <summary><c>"problemOptions": null</c> (or optimizerOptions) means the defaults, as leaving it out does: the
    /// code behind a request never sees a null options record, wherever the request came from (API, import, store, CLI).
    /// Applies to every record type marked <see cref="DefaultWhenNullAttribute"/>.</summary>
    private static void NullMeansDefault(JsonTypeInfo type)
    {
        if (type.Kind != JsonTypeInfoKind.Object) return;
        foreach (var property in type.Properties)
        {
            if (property.Set is not { } set || !property.PropertyType.IsDefined(typeof(DefaultWhenNullAttribute), inherit: false)) continue;
            var kind = property.PropertyType;
            property.Set = (o, v) => set(o, v ?? Activator.CreateInstance(kind));
        }
    }
}

/// <summary>Marks a settings record whose JSON <c>null</c> means "all defaults" (a fresh instance).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class DefaultWhenNullAttribute : Attribute;
