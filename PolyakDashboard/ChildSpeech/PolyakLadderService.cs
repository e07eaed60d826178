using System.Text.Json;
using PolyakCore.Training;
using PolyakDashboard.Cli;

namespace PolyakDashboard.ChildSpeech;

/// <summary>The shipped "Polyak step vs model size" measurement (measurements/polyak-ladder.json, written by
/// <c>PolyakDashboard polyak-ladder --out PolyakDashboard/measurements</c>), its finding and its figure; read once.</summary>
public sealed class PolyakLadderService(string path, ILogger<PolyakLadderService>? logger = null)
{
    public const string RelativePath = "measurements/" + LadderCommand.JsonFile;
    private readonly Lazy<PolyakLadder?> _ladder = new(() => Load(path, logger));

    /// <summary>The measurement shipped under the content root.</summary>
    public static PolyakLadderService Shipped(IWebHostEnvironment environment, ILogger<PolyakLadderService> logger) =>
        new(Path.Combine(environment.ContentRootPath, RelativePath), logger);
    private readonly Dictionary<bool, string> _svg = [];

    /// <summary>The measurement, or null when the file is missing or unreadable (the page says so).</summary>
    public PolyakLadder? Ladder => _ladder.Value;

    public IReadOnlyList<string> Finding => Ladder is { } ladder ? PolyakLadderFinding.Describe(ladder) : [];

    /// <summary>The figure as an SVG document, in the light or the dark theme's colours.</summary>
    public string? Svg(bool dark)
    {
        if (Ladder is not { } ladder) return null;
        lock (_svg)
        {
            if (!_svg.TryGetValue(dark, out var svg)) _svg[dark] = svg = Figures.LadderFigures.StepSvg(ladder, dark);
            return svg;
        }
    }

    private static PolyakLadder? Load(string path, ILogger? logger)
    {
        try { return JsonSerializer.Deserialize<PolyakLadder>(File.ReadAllText(path), LadderCommand.Json); }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException or NotSupportedException)
        {
            logger?.LogWarning("No Polyak ladder measurement at {Path}: {Message}", path, e.Message);
            return null;
        }
    }
}
