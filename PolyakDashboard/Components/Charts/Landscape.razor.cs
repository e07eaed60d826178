using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace PolyakDashboard.Components.Charts;

/// <summary>
/// Contour plot of a loss over a 2-D grid (filled d3-contour bands as SVG) with axes, a colour legend,
/// labelled points, trajectories (with playback) and an optional cell overlay. Responsive width at a fixed
/// aspect ratio; text and strokes grow on wide plots (up to 1.5× at 1500 px and more).
/// </summary>
/// <remarks>Call the data methods after the first render (JS is unavailable while prerendering).</remarks>
public sealed partial class Landscape : IAsyncDisposable
{
    private const string ModulePath = "./Components/Charts/Landscape.razor.js";
    private Task<IJSObjectReference>? _module;
    private DotNetObjectReference<Landscape>? _self;
    private LandscapeOptions? _sentOptions;

    [Inject] private IJSRuntime JS { get; set; } = null!;

    /// <summary>Heading above the plot. Default: none.</summary>
    [Parameter] public string? Title { get; set; }

    /// <summary>x-axis title. Default: none.</summary>
    [Parameter] public string? XTitle { get; set; }

    /// <summary>y-axis title. Default: none.</summary>
    [Parameter] public string? YTitle { get; set; }

    /// <summary>Caption under the colour legend. Default: "loss".</summary>
    [Parameter] public string ValueTitle { get; set; } = "loss";

    /// <summary>Width / height of the plot. Default: 4/3.</summary>
    [Parameter] public double AspectRatio { get; set; } = 4.0 / 3.0;

    /// <summary>Number of colour bands. Default: 20.</summary>
    [Parameter] public int Levels { get; set; } = 20;

    /// <summary>Space band edges logarithmically above the minimum, so deep basins and high walls both show. Default: true.</summary>
    [Parameter] public bool LogThresholds { get; set; } = true;

    /// <summary>A d3-scale-chromatic sequential scheme, e.g. "Viridis", "Magma", "YlGnBu". Default: "Viridis".</summary>
    [Parameter] public string ColorScheme { get; set; } = "Viridis";

    /// <summary>
    /// Raised with the data coordinates of a click inside the plot area, and while the pointer (mouse, pen or touch)
    /// is dragged from there: at most ~8 times a second, plus once on release. The cursor becomes a crosshair when set.
    /// </summary>
    [Parameter] public EventCallback<(double X, double Y)> OnPointClicked { get; set; }

    /// <summary>
    /// Raised with the arrow keys pressed on the plot, which then takes the keyboard focus (tabindex 0, also on a click):
    /// one step a press, <see cref="LandscapeNudge.LargeStep"/> with Shift. The receiver decides what a step is.
    /// </summary>
    [Parameter] public EventCallback<LandscapeNudge> OnArrowKey { get; set; }

    /// <summary>The keyboard-focusable plot's accessible name, saying what the arrow keys do. Default: "Loss landscape".</summary>
    [Parameter] public string KeyboardLabel { get; set; } = "Loss landscape";

    /// <summary>Base name of the PNG when "Copy panel as PNG" downloads it instead. Default: "landscape".</summary>
    [Parameter] public string FileName { get; set; } = "landscape";

    /// <summary>The plot's DOM id.</summary>
    public string ElementId { get; } = $"landscape-{Guid.NewGuid():N}";

    /// <summary>Sets the loss grid: <paramref name="values"/>[j * xs.Length + i] is the loss at (xs[i], ys[j]).</summary>
    /// <param name="xs">Ascending, evenly spaced x values (at least 2).</param>
    /// <param name="ys">Ascending, evenly spaced y values (at least 2).</param>
    /// <param name="values">Row-major, ys.Length × xs.Length; NaN/∞ are drawn as the highest band.</param>
    public async ValueTask SetGridAsync(double[] xs, double[] ys, double[] values)
    {
        if (xs.Length < 2 || ys.Length < 2)
            throw new ArgumentException($"Grid needs at least 2×2 points, got {xs.Length}×{ys.Length}.");
        if (values.Length != xs.Length * ys.Length)
            throw new ArgumentException(
                $"Grid values: expected {ys.Length}×{xs.Length} = {xs.Length * ys.Length}, got {values.Length}.", nameof(values));
        var module = await GetModuleAsync();
        await module.InvokeVoidAsync("setGrid", ElementId, ToBytes(xs), ToBytes(ys), ToBytes(values));
    }

    /// <summary>Replaces the labelled points.</summary>
    public async ValueTask SetMarkersAsync(IEnumerable<LandscapeMarker> markers)
    {
        var payload = markers.Where(m => double.IsFinite(m.X) && double.IsFinite(m.Y))
            .Select(m => new { label = m.Label, x = m.X, y = m.Y, color = m.Color }).ToArray();
        var module = await GetModuleAsync();
        await module.InvokeVoidAsync("setMarkers", ElementId, payload);
    }

    /// <summary>Replaces the trajectories (and their legend); they are drawn whole until <see cref="SetProgressAsync"/>.</summary>
    public async ValueTask SetTrajectoriesAsync(IEnumerable<Trajectory> trajectories)
    {
        var payload = trajectories.Select(t => new
        {
            name = t.Name, color = t.Color, x = ToBytes(t.X), y = ToBytes(t.Y), endLabel = t.EndLabel, thin = t.Thin,
        }).ToArray();
        var module = await GetModuleAsync();
        await module.InvokeVoidAsync("setTrajectories", ElementId, payload);
    }

    /// <summary>
    /// Playback: draws each trajectory from its point 0 to point <paramref name="index"/> (clamped to its length),
    /// with a head marker at that point; the end marker and end label appear once a path is drawn to its end.
    /// </summary>
    /// <param name="index">Point index; negative (e.g. -1) or past the end draws the whole paths.</param>
    /// <remarks>Cheap enough to call ~30 times a second: only the paths' dash lengths and the heads move in the browser.</remarks>
    public async ValueTask SetProgressAsync(int index)
    {
        var module = await GetModuleAsync();
        await module.InvokeVoidAsync("setProgress", ElementId, index);
    }

    /// <summary>
    /// Shades a regular grid of cells over the contour bands (below markers and trajectories), e.g. an escape map.
    /// The cell of (xs[c], ys[r]) spans half the grid spacing each way and is filled with colors[r * xs.Length + c].
    /// </summary>
    /// <param name="xs">Cell centres along x, ascending and evenly spaced (at least 1).</param>
    /// <param name="ys">Cell centres along y, ascending and evenly spaced (at least 1).</param>
    /// <param name="colors">Row-major, ys.Length × xs.Length CSS colours; null leaves a cell transparent.</param>
    /// <param name="opacity">Opacity of the whole overlay, in [0, 1]. Default: 0.45.</param>
    /// <param name="legend">Swatches shown under the plot. Default: none.</param>
    public async ValueTask SetOverlayAsync(double[] xs, double[] ys, string?[] colors, double opacity = 0.45,
        IEnumerable<(string Label, string Color)>? legend = null)
    {
        if (xs.Length < 1 || ys.Length < 1)
            throw new ArgumentException($"Overlay needs at least 1×1 cells, got {xs.Length}×{ys.Length}.");
        if (colors.Length != xs.Length * ys.Length)
            throw new ArgumentException(
                $"Overlay colours: expected {ys.Length}×{xs.Length} = {xs.Length * ys.Length}, got {colors.Length}.", nameof(colors));
        if (!(opacity is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(opacity), $"Invalid overlay opacity: {opacity} (expected 0 to 1).");

        // Cells travel as indices into a palette (-1 = transparent): a few distinct colours, many cells.
        var palette = new List<string>();
        var paletteIndex = new Dictionary<string, int>();
        var cells = new int[colors.Length];
        for (int k = 0; k < colors.Length; k++)
        {
            var color = colors[k];
            if (string.IsNullOrEmpty(color)) { cells[k] = -1; continue; }
            if (!paletteIndex.TryGetValue(color, out var p))
            {
                p = paletteIndex[color] = palette.Count;
                palette.Add(color);
            }
            cells[k] = p;
        }
        var legendPayload = (legend ?? []).Select(l => new { label = l.Label, color = l.Color }).ToArray();
        var module = await GetModuleAsync();
        await module.InvokeVoidAsync("setOverlay", ElementId, ToBytes(xs), ToBytes(ys), palette,
            MemoryMarshal.AsBytes(cells.AsSpan()).ToArray(), opacity, legendPayload);
    }

    /// <summary>Removes the overlay and its legend.</summary>
    public async ValueTask ClearOverlayAsync()
    {
        var module = await GetModuleAsync();
        await module.InvokeVoidAsync("clearOverlay", ElementId);
    }

    /// <summary>
    /// Called by the JS module on a click inside the plot area, and while dragging there (at most ~8 times a
    /// second, plus once on release).
    /// </summary>
    [JSInvokable]
    public Task HandlePointClickedAsync(double x, double y) => OnPointClicked.InvokeAsync((x, y));

    /// <summary>Called by the JS module with the arrow-key steps (right, up) pressed since the last call.</summary>
    [JSInvokable]
    public Task HandleArrowKeyAsync(int dx, int dy) => OnArrowKey.InvokeAsync(new LandscapeNudge(dx, dy));

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        var options = new LandscapeOptions(XTitle, YTitle, ValueTitle, AspectRatio, Levels, LogThresholds,
            ColorScheme, OnPointClicked.HasDelegate, OnArrowKey.HasDelegate);
        if (firstRender)
        {
            _self = DotNetObjectReference.Create(this);
            var module = await GetModuleAsync();
            await module.InvokeVoidAsync("init", ElementId, options, _self);
        }
        else if (options != _sentOptions)
        {
            var module = await GetModuleAsync();
            await module.InvokeVoidAsync("configure", ElementId, options);
        }
        _sentOptions = options;
    }

    private Task<IJSObjectReference> GetModuleAsync() =>
        _module ??= JS.InvokeAsync<IJSObjectReference>("import", ModulePath).AsTask();

    // Doubles travel as raw bytes: compact, and NaN/∞ survive (JSON would reject them).
    private static byte[] ToBytes(double[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_module is not null)
            {
                var module = await _module;
                await module.InvokeVoidAsync("dispose", ElementId);
                await module.DisposeAsync();
            }
        }
        catch (Exception e) when (e is JSDisconnectedException or InvalidOperationException)
        {
            // The circuit is gone (and the page with it), or JS was never reachable (prerendering).
        }
        _self?.Dispose();
    }

    private sealed record LandscapeOptions(
        string? XTitle, string? YTitle, string ValueTitle, double AspectRatio, int Levels,
        bool LogThresholds, string ColorScheme, bool Clickable, bool Keyboard);
}
