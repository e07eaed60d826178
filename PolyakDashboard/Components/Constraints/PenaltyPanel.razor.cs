using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;
using PolyakCore.Demos;
using PolyakCore.Problems;
using PolyakDashboard.Components.Charts;
using PolyakCore.Shared;
using PolyakDashboard.Components.Shared;
using PolyakDashboard.Constraints;

namespace PolyakDashboard.Components.Constraints;

/// <summary>Question 2c: the quadratic penalty for x ≥ 0 as λ moves, and a 2-D example with x + y ≤ 1.</summary>
public sealed partial class PenaltyPanel
{
    [Inject] private ConstraintDemos Demos { get; set; } = null!;

    private const string FColor = "#7f7f7f", PenalisedColor = "#d62728", OptimumColor = "#2ca02c", BoundaryColor = "#bdbdbd";

    private PenaltySettings? _seen;
    private PenaltySettings _settings = new();   // as the controls show them (maybe invalid)
    private PenaltySettings _shown = new();      // what _result was computed from
    private PenaltyResult? _result;
    private (LandscapeGrid Grid, double[] PathX, double[] PathY, (double X, double Y) Optimum)? _planeResult;
    private double? _milliseconds;
    private double _clip = 40;
    private IReadOnlyList<FieldError> _errors = [];
    private MudForm? _form;
    private readonly PageErrorSync _formErrors = new();
    private LiveChart? _curveChart, _pathChart, _lambdaChart;
    private Landscape? _plane;
    private bool _drawPending;

    /// <summary>The tab's settings; the page keeps them across tab switches. Default: the record's defaults.</summary>
    [Parameter] public PenaltySettings Settings { get; set; } = new();

    /// <summary>Raised with the new settings whenever a control changes.</summary>
    [Parameter] public EventCallback<PenaltySettings> SettingsChanged { get; set; }

    private double LogLambda => Math.Log10(Math.Max(_settings.Lambda, 1e-2));

    protected override void OnParametersSet()
    {
        if (ReferenceEquals(Settings, _seen)) return;   // our own update coming back
        _seen = _settings = Settings;
        Recompute();
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        await _formErrors.UpdateAsync(_form, _errors);
        if (!_drawPending || _curveChart is null || _pathChart is null || _lambdaChart is null || _plane is null) return;
        _drawPending = false;
        try { await DrawAsync(); }
        catch (Exception e) when (e is JSDisconnectedException or ObjectDisposedException or TaskCanceledException) { }
    }

    private void Recompute()
    {
        var outcome = Demos.Penalty(_settings);
        _errors = outcome.Errors;
        if (!outcome.Ok) return;   // keep the last good result on screen
        (_result, _planeResult) = (outcome.Result.Curve, outcome.Result.Plane);
        _milliseconds = outcome.Milliseconds;
        _shown = _settings;
        _clip = 1.1 * _result.CurveF.Max();
        _drawPending = true;
    }

    private async Task DrawAsync()
    {
        if (_result is not { } r || _planeResult is not { } p || _curveChart is null || _pathChart is null || _lambdaChart is null || _plane is null) return;
        double optimum = r.NumericOptimum;
        await _curveChart.SetSeriesAsync([
            new ChartSeries("f", "f(x)", r.CurveX, r.CurveF, FColor),
            new ChartSeries("F", $"F(x), λ = {FormatLambda(_shown.Lambda)}", r.CurveX, [.. r.CurvePenalised.Select(v => v > _clip ? double.NaN : v)], PenalisedColor),
            new ChartSeries("boundary", "boundary x = 0", [0, 0], [0, _clip], BoundaryColor),
            new ChartSeries("argmin", $"argmin F = {optimum:0.0000}", [optimum, optimum], [0, _clip], OptimumColor),
        ]);
        // Horizontal and vertical guides are series: LiveChart's reference line would fix the y range to the data's exact extent.
        double[] steps = [.. Enumerable.Range(0, r.Trajectory.Length).Select(i => (double)i)];
        string exact = _shown.Function == PenaltySettings.Active ? $"−2/(1 + λ) = {r.ExactOptimum:0.####}" : "argmin F = 2";
        await _pathChart.SetSeriesAsync([
            new ChartSeries("x", "x_k", steps, r.Trajectory, PenalisedColor),
            new ChartSeries("exact", exact, [0, steps[^1]], [r.ExactOptimum, r.ExactOptimum], OptimumColor),
        ]);
        // LiveChart's x axis is linear: plot log10 λ; the current λ is a vertical line through the curve.
        double lo = Math.Min(0, r.OptimaVsLambda.Min()), hi = Math.Max(0, r.OptimaVsLambda.Max());
        double current = Math.Log10(Math.Max(_shown.Lambda, 1e-2));
        await _lambdaChart.SetSeriesAsync([
            new ChartSeries("optimum", "argmin F", [.. r.Lambdas.Select(Math.Log10)], r.OptimaVsLambda, PenalisedColor),
            new ChartSeries("current", $"current λ = {FormatLambda(_shown.Lambda)}", [current, current], [lo, hi], OptimumColor),
            new ChartSeries("boundary", "boundary x = 0", [-2, 4], [0, 0], BoundaryColor),
        ]);

        await _plane.SetGridAsync(p.Grid.Xs, p.Grid.Ys, p.Grid.Values);
        bool close = Math.Abs(p.Optimum.X) + Math.Abs(p.Optimum.Y - 1) < 0.5;   // labels would overlap: name only (0, 1)
        await _plane.SetMarkersAsync([
            new LandscapeMarker("(1, 2)", 1, 2, "#ffffff"),
            new LandscapeMarker(close ? "" : "penalised", p.Optimum.X, p.Optimum.Y, PenalisedColor),
            new LandscapeMarker("(0, 1)", 0, 1, "#ffffff"),
        ]);
        double x0 = p.Grid.Xs[0], x1 = p.Grid.Xs[^1];
        await _plane.SetTrajectoriesAsync([
            new Trajectory("boundary x + y = 1", BoundaryColor, [x0, x1], [1 - x0, 1 - x1]),
            new Trajectory("gradient descent on F", "#ff7f0e", p.PathX, p.PathY),
        ]);
    }

    private void HandleLogLambdaChanged(double log10Lambda) =>
        Update(_settings with { Lambda = Math.Round(Math.Pow(10, Math.Round(log10Lambda, 1)), 6) });

    private void Update(PenaltySettings settings)
    {
        _settings = settings;
        Recompute();
        _seen = settings;
        _ = SettingsChanged.InvokeAsync(settings);
    }

    private string? ErrorFor(string field) => _errors.FirstOrDefault(e => e.Field == field)?.Message;

    private static string FormatLambda(double lambda) =>
        lambda >= 100 ? lambda.ToString("N0") : lambda >= 1 ? lambda.ToString("0.##") : lambda.ToString("0.####");

    private static string Invariant(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
