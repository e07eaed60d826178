using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace PolyakDashboard.Components.Charts;

/// <summary>
/// A line chart over ApexCharts whose data never travels through Blazor renders: C# pushes points with
/// <see cref="SetSeriesAsync"/>/<see cref="AppendAsync"/>, and <see cref="TrainingHubClient"/> binds series
/// to live training runs entirely in the browser. The JS side keeps raw data, decimates it to about
/// 1,000 points per series and redraws at most 15 times a second (fewer when many charts share the page's redraw budget).
/// </summary>
/// <remarks>Call the data methods after the first render (JS is unavailable while prerendering).</remarks>
public sealed partial class LiveChart : IAsyncDisposable
{
    private const string ModulePath = "./Components/Charts/LiveChart.razor.js";
    private Task<IJSObjectReference>? _module;
    private LiveChartOptions? _sentOptions;
    private double _smoothing;
    private bool _initialized;

    [Inject] private IJSRuntime JS { get; set; } = null!;

    /// <summary>Heading shown in the chart's toolbar. Default: none.</summary>
    [Parameter] public string? Title { get; set; }

    /// <summary>x-axis title, e.g. "step". Default: none.</summary>
    [Parameter] public string? XTitle { get; set; }

    /// <summary>y-axis title, e.g. "loss". Default: none.</summary>
    [Parameter] public string? YTitle { get; set; }

    /// <summary>Plot log10(y) with ticks at powers of ten (y ≤ 0 is not drawn). Default: false.</summary>
    [Parameter] public bool LogY { get; set; }

    /// <summary>Plot height in CSS pixels. Default: 300.</summary>
    [Parameter] public int Height { get; set; } = 300;

    /// <summary>y value of a dashed horizontal reference line (e.g. a loss floor); null for none. Default: null.</summary>
    [Parameter] public double? ReferenceValue { get; set; }

    /// <summary>Label of the reference line. Default: none.</summary>
    [Parameter] public string? ReferenceLabel { get; set; }

    /// <summary>Initial EMA smoothing weight (0..0.99); the toolbar slider changes it. Default: 0.</summary>
    [Parameter] public double DefaultSmoothing { get; set; }

    /// <summary>Base name of downloaded CSV/PNG files. Default: "chart".</summary>
    [Parameter] public string FileName { get; set; } = "chart";

    /// <summary>The chart's DOM id; JS code (e.g. training-hub.js) addresses the chart by it.</summary>
    public string ElementId { get; } = $"live-chart-{Guid.NewGuid():N}";

    /// <summary>Replaces all series (their data, names and order).</summary>
    public async ValueTask SetSeriesAsync(IEnumerable<ChartSeries> series)
    {
        var payload = series.Select(s => new
        {
            id = s.Id, name = s.Name, color = s.Color, dashed = s.Dashed, x = ToBytes(s.X), y = ToBytes(s.Y),
        }).ToArray();
        var module = await GetModuleAsync();
        await module.InvokeVoidAsync("setSeries", ElementId, payload);
    }

    /// <summary>Appends points to one series, creating it (named after its id) if it does not exist.</summary>
    public async ValueTask AppendAsync(string seriesId, double[] x, double[] y)
    {
        var module = await GetModuleAsync();
        await module.InvokeVoidAsync("append", ElementId, seriesId, ToBytes(x), ToBytes(y));
    }

    /// <summary>Scrolls the page, if needed, so that this chart's panel (or the chart) is wholly in view.</summary>
    public async ValueTask RevealAsync()
    {
        var module = await GetModuleAsync();
        await module.InvokeVoidAsync("reveal", ElementId);
    }

    /// <summary>Removes all series.</summary>
    public async ValueTask ClearAsync()
    {
        var module = await GetModuleAsync();
        await module.InvokeVoidAsync("clear", ElementId);
    }

    protected override void OnInitialized() => _smoothing = Math.Clamp(DefaultSmoothing, 0, 0.99);

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        var reference = ReferenceValue is { } r && double.IsFinite(r) ? r : (double?)null;
        var options = new LiveChartOptions(XTitle, YTitle, LogY, Height, reference, ReferenceLabel, _smoothing);
        if (firstRender)
        {
            var module = await GetModuleAsync();
            await module.InvokeVoidAsync("init", ElementId, options);
            _initialized = true;
        }
        else if (_initialized && options with { Smoothing = 0 } != _sentOptions! with { Smoothing = 0 })
        {
            var module = await GetModuleAsync();
            await module.InvokeVoidAsync("configure", ElementId, options);
        }
        _sentOptions = options;
    }

    private async Task HandleSmoothingChangedAsync(double value)
    {
        _smoothing = value;
        var module = await GetModuleAsync();
        await module.InvokeVoidAsync("setSmoothing", ElementId, value);
    }

    private async Task HandleDownloadCsvAsync()
    {
        var module = await GetModuleAsync();
        await module.InvokeVoidAsync("downloadCsv", ElementId, FileName + ".csv");
    }

    private async Task HandleDownloadPngAsync()
    {
        var module = await GetModuleAsync();
        await module.InvokeVoidAsync("downloadPng", ElementId, FileName + ".png");
    }

    private Task<IJSObjectReference> GetModuleAsync() =>
        _module ??= JS.InvokeAsync<IJSObjectReference>("import", ModulePath).AsTask();

    // Doubles travel as raw bytes: compact, and NaN/∞ survive (JSON would reject them).
    private static byte[] ToBytes(double[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public async ValueTask DisposeAsync()
    {
        if (_module is null)
            return;
        try
        {
            var module = await _module;
            await module.InvokeVoidAsync("dispose", ElementId);
            await module.DisposeAsync();
        }
        catch (Exception e) when (e is JSDisconnectedException or InvalidOperationException)
        {
            // The circuit is gone (and the page with it), or JS was never reachable (prerendering).
        }
    }

    private sealed record LiveChartOptions(
        string? XTitle, string? YTitle, bool LogY, int Height,
        double? ReferenceValue, string? ReferenceLabel, double Smoothing);
}
