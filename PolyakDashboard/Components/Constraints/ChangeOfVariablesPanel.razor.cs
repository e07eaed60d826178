using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;
using PolyakCore.Demos;
using PolyakDashboard.Components.Charts;
using PolyakCore.Shared;
using PolyakDashboard.Components.Shared;
using PolyakDashboard.Constraints;

namespace PolyakDashboard.Components.Constraints;

/// <summary>Question 2b: x ≥ 0 through x = e^z or x = z², next to projected gradient descent.</summary>
public sealed partial class ChangeOfVariablesPanel
{
    [Inject] private ConstraintDemos Demos { get; set; } = null!;

    private const string ReparametrisedColor = "#1f77b4", ProjectedColor = "#ff7f0e", CurveColor = "#7f7f7f";

    private ChangeOfVariablesSettings? _seen;
    private ChangeOfVariablesSettings _settings = new();   // as the controls show them (maybe invalid)
    private ChangeOfVariablesSettings _shown = new();      // what _result was computed from
    private ChangeOfVariablesResult? _result;
    private double? _shownOptimum;
    private double _curveCap = 12;
    private double? _milliseconds;
    private IReadOnlyList<FieldError> _errors = [];
    private MudForm? _form;
    private readonly PageErrorSync _formErrors = new();
    private LiveChart? _xChart, _zChart, _curveChart;
    private bool _drawPending;

    /// <summary>The tab's settings; the page keeps them across tab switches. Default: the record's defaults.</summary>
    [Parameter] public ChangeOfVariablesSettings Settings { get; set; } = new();

    /// <summary>Raised with the new settings whenever a control changes.</summary>
    [Parameter] public EventCallback<ChangeOfVariablesSettings> SettingsChanged { get; set; }

    protected override void OnParametersSet()
    {
        if (ReferenceEquals(Settings, _seen)) return;   // our own update coming back
        _seen = _settings = Settings;
        Recompute();
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        await _formErrors.UpdateAsync(_form, _errors);
        if (!_drawPending || _xChart is null || _zChart is null || _curveChart is null) return;
        _drawPending = false;
        try { await DrawAsync(); }
        catch (Exception e) when (e is JSDisconnectedException or ObjectDisposedException or TaskCanceledException) { }
    }

    private void Recompute()
    {
        var outcome = Demos.ChangeOfVariables(_settings);
        _errors = outcome.Errors;
        if (!outcome.Ok) return;   // keep the last good result on screen
        _result = outcome.Result;
        _milliseconds = outcome.Milliseconds;
        _shown = _settings;
        _shownOptimum = _result.Optimum;
        _curveCap = 3 * Math.Max(1, Math.Max(_result.Loss[0], _settings.Target * _settings.Target));   // the walls would flatten the valley
        _drawPending = true;
    }

    private async Task DrawAsync()
    {
        if (_result is not { } r || _xChart is null || _zChart is null || _curveChart is null) return;
        double[] iterations = [.. Enumerable.Range(0, r.X.Length).Select(i => (double)i)];
        string map = MapText(_shown.Map);
        await _xChart.SetSeriesAsync([
            new ChartSeries("reparametrised", $"GD on z, {map}", iterations, r.X, ReparametrisedColor),
            new ChartSeries("projected", "projected GD on x", iterations, r.ProjectedX, ProjectedColor),
        ]);
        await _zChart.SetSeriesAsync([new ChartSeries("z", "z", iterations, r.Z, ReparametrisedColor)]);
        // The iterates lie on the curve: drawn in z order they trace the part of it that gradient descent visited.
        var visited = r.Z.Zip(r.Loss).OrderBy(p => p.First).ToArray();
        double Cap(double v) => v > _curveCap ? double.NaN : v;
        await _curveChart.SetSeriesAsync([
            new ChartSeries("curve", "f(φ(z))", r.CurveZ, [.. r.CurveLoss.Select(Cap)], CurveColor),
            new ChartSeries("iterates", "visited by the iterates", [.. visited.Select(p => p.First)], [.. visited.Select(p => Cap(p.Second))], ReparametrisedColor),
        ]);
    }

    private void Update(ChangeOfVariablesSettings settings)
    {
        _settings = settings;
        Recompute();
        _seen = settings;
        _ = SettingsChanged.InvokeAsync(settings);
    }

    private string? ErrorFor(string field) => _errors.FirstOrDefault(e => e.Field == field)?.Message;

    private static string MapText(string map) => map == ChangeOfVariablesSettings.Exp ? "x = e^z" : "x = z²";

    private static string Format(double v) => !double.IsFinite(v) ? v.ToString() : v == 0 ? "0" : Math.Abs(v) < 1e-3 ? v.ToString("0.00e0") : v.ToString("0.####");
}
