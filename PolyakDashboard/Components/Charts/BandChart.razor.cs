using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace PolyakDashboard.Components.Charts;

/// <summary>Medians with their 10–90 % bands over seeds (or plain lines where a series has no band).</summary>
public sealed partial class BandChart : IAsyncDisposable
{
    private const string ModulePath = "./Components/Charts/BandChart.razor.js";
    private Task<IJSObjectReference>? _module;
    private IReadOnlyList<BandSeries>? _drawn;

    [Inject] private IJSRuntime JS { get; set; } = null!;

    [Parameter] public string? Title { get; set; }

    /// <summary>Base name of the PNG a refused clipboard copy downloads. Default: "chart".</summary>
    [Parameter] public string FileName { get; set; } = "chart";
    [Parameter] public string? XTitle { get; set; }
    [Parameter] public string? YTitle { get; set; }
    /// <summary>Plot log10(y) with ticks at powers of ten (y ≤ 0 is not drawn).</summary>
    [Parameter] public bool LogY { get; set; }
    [Parameter] public int Height { get; set; } = 240;
    /// <summary>A dashed horizontal reference line (e.g. the least-squares floor).</summary>
    [Parameter] public double? ReferenceValue { get; set; }
    [Parameter] public string? ReferenceLabel { get; set; }
    /// <summary>x values are categories (e.g. batch sizes), evenly spaced. Default: numeric.</summary>
    [Parameter] public bool CategoricalX { get; set; }
    /// <summary>Fixed y range (both or neither); default: fitted to the data.</summary>
    [Parameter] public double? YMin { get; set; }
    [Parameter] public double? YMax { get; set; }
    /// <summary>Where a numeric x axis ends (e.g. the planned steps while bands fill in); default: at the data.</summary>
    [Parameter] public double? XMax { get; set; }
    [Parameter, EditorRequired] public IReadOnlyList<BandSeries> Series { get; set; } = [];

    public string ElementId { get; } = $"band-chart-{Guid.NewGuid():N}";

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (ReferenceEquals(_drawn, Series)) return;
        _drawn = Series;
        var payload = Series.Select(s => new
        {
            name = s.Name, color = s.Color, x = Bytes(s.X), mid = Bytes(s.Median),
            lo = s.Lower is null ? null : Bytes(s.Lower), hi = s.Upper is null ? null : Bytes(s.Upper),
        }).ToArray();
        var reference = ReferenceValue is { } r && double.IsFinite(r) ? r : (double?)null;
        _module ??= JS.InvokeAsync<IJSObjectReference>("import", ModulePath).AsTask();
        var module = await _module;
        await module.InvokeVoidAsync("render", ElementId, new { xTitle = XTitle, yTitle = YTitle, logY = LogY, height = Height, reference, referenceLabel = ReferenceLabel, categoricalX = CategoricalX, yMin = YMin, yMax = YMax, xMax = XMax }, payload);
    }

    // Doubles travel as raw bytes: compact, and NaN/∞ survive (JSON would reject them).
    private static byte[] Bytes(double[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public async ValueTask DisposeAsync()
    {
        if (_module is null) return;
        try
        {
            var module = await _module;
            await module.InvokeVoidAsync("dispose", ElementId);
            await module.DisposeAsync();
        }
        catch (Exception e) when (e is JSDisconnectedException or InvalidOperationException) { }
    }
}
