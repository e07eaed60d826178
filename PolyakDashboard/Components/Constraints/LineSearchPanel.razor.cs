using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;
using PolyakCore.Demos;
using PolyakDashboard.Components.Charts;
using PolyakDashboard.Runs;
using PolyakDashboard.Components.Shared;
using PolyakCore.Optimization;
using PolyakCore.Shared;
using PolyakDashboard.Constraints;

namespace PolyakDashboard.Components.Constraints;

/// <summary>Question 2a: Armijo, Polyak and constant steps on a 2-D function, counted in function evaluations;
/// and, behind a switch, the same comparison with mini-batches on the 1a/1b data.</summary>
public sealed partial class LineSearchPanel : IDisposable
{
    [Inject] private ConstraintDemos Demos { get; set; } = null!;

    private const int MaxTrialSteps = 40;                        // rejected trials drawn for the first iterations only
    private const string TrialColor = "rgba(255, 255, 255, 0.4)", MinimumColor = "#ff7f0e";
    private const double RosenbrockLr = 0.005, IllConditionedLr = 0.04;   // 0.04 diverges on rosenbrock

    private LineSearchTabState? _seen;
    private LineSearchSettings _settings = new();                // as the controls show them (maybe invalid)
    private LineSearchSettings _shown = new();                   // what _result was computed from
    private LineSearchResult? _result;
    private double? _milliseconds;
    private IReadOnlyList<FieldError> _errors = [];
    private MudForm? _form;
    private readonly PageErrorSync _formErrors = new();
    private string? _lrNote;

    private bool _miniBatchOn;
    private MiniBatchSettings _miniBatch = new();
    private IReadOnlyList<EvaluationTrace>? _traces;
    private string _tracesLabel = "";
    private double? _miniMilliseconds;
    private IReadOnlyList<FieldError> _miniErrors = [];
    private MudForm? _miniForm;
    private readonly PageErrorSync _miniFormErrors = new();
    private bool _miniComputing;
    private int _miniGeneration;

    private Landscape? _landscape;
    private LiveChart? _lossChart, _costChart, _miniChart;
    private bool _drawPending, _miniDrawPending, _disposed;

    /// <summary>The tab's settings; the page keeps them across tab switches. Default: <see cref="LineSearchTabState.Default"/>.</summary>
    [Parameter] public LineSearchTabState State { get; set; } = LineSearchTabState.Default;

    /// <summary>Raised with the new settings whenever a control changes.</summary>
    [Parameter] public EventCallback<LineSearchTabState> StateChanged { get; set; }

    private string LrHelp => _lrNote ?? (_settings.Function == TestFunctions.Rosenbrock
        ? $"{IllConditionedLr} diverges on rosenbrock; {RosenbrockLr} is stable"
        : $"lr · 20 = {_settings.ConstantLr * 20:0.##} (the largest curvature is 20; 2 is the stability edge)");

    protected override void OnParametersSet()
    {
        if (ReferenceEquals(State, _seen)) return;   // our own update coming back
        _seen = State;
        (_settings, _miniBatch, _miniBatchOn) = (State.Settings, State.MiniBatch, State.MiniBatchOn);
        Recompute();
        if (_miniBatchOn) _ = RecomputeMiniBatchAsync();
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        await _formErrors.UpdateAsync(_form, _errors);
        await _miniFormErrors.UpdateAsync(_miniForm, _miniErrors);
        if (_drawPending && _landscape is not null && _lossChart is not null && _costChart is not null)
        {
            _drawPending = false;
            await GuardAsync(DrawAsync);
        }
        if (_miniDrawPending && _miniChart is not null)
        {
            _miniDrawPending = false;
            await GuardAsync(DrawMiniBatchAsync);
        }
    }

    // ---- Deterministic part: tens of ms (mostly the contour grid), computed on the circuit ---------

    private void Recompute()
    {
        var outcome = Demos.LineSearch(_settings);
        _errors = outcome.Errors;
        if (!outcome.Ok) return;   // keep the last good result on screen
        _result = outcome.Result;
        _milliseconds = outcome.Milliseconds;
        _shown = _settings;
        _drawPending = true;
    }

    private async Task DrawAsync()
    {
        if (_result is null || _landscape is null || _lossChart is null || _costChart is null) return;
        var grid = _result.Grid;
        await _landscape.SetGridAsync(grid.Xs, grid.Ys, grid.Values);
        var (mx, my) = TestFunctions.Minimum(_shown.Function);
        var armijo = _result.Methods.Single(m => m.Method == LineSearchDemo.Armijo);
        var rejected = armijo.Steps.Skip(1).Take(MaxTrialSteps).SelectMany(s => s.Trials.Where(t => !t.Accepted));
        await _landscape.SetMarkersAsync([.. rejected.Select(t => new LandscapeMarker("", t.X, t.Y, TrialColor)), new LandscapeMarker("", mx, my, MinimumColor)]);
        await _landscape.SetTrajectoriesAsync(_result.Methods.Select(m => new Trajectory(Name(m.Method), MethodColor(m.Method),
            [.. m.Steps.Select(s => s.X)], [.. m.Steps.Select(s => s.Y)])));
        await _lossChart.SetSeriesAsync(_result.Methods.Select(m => new ChartSeries(m.Method, Name(m.Method),
            [.. m.Steps.Select(s => (double)s.CumulativeEvaluations)], [.. m.Steps.Select(s => s.Loss)], MethodColor(m.Method))));
        await _costChart.SetSeriesAsync(_result.Methods.Select(m => new ChartSeries(m.Method, Name(m.Method),
            [.. m.Steps.Skip(1).Select(s => (double)s.Iteration)], [.. m.Steps.Skip(1).Select(s => (double)s.Evaluations)], MethodColor(m.Method))));
    }

    private void Update(LineSearchSettings settings)
    {
        _settings = settings;
        Recompute();
        _ = PublishAsync();
    }

    private void HandleFunctionChanged(string function)
    {
        double lr = function == TestFunctions.Rosenbrock ? RosenbrockLr : IllConditionedLr;
        _lrNote = lr == _settings.ConstantLr ? null
            : function == TestFunctions.Rosenbrock ? $"Set to {RosenbrockLr} for rosenbrock: {IllConditionedLr} diverges in its steep valley."
            : $"Set back to {IllConditionedLr} (lr·L = 0.8, below the stability edge 2).";
        Update(_settings with { Function = function, ConstantLr = lr });
    }

    private async Task HandlePointClickedAsync((double X, double Y) point)
    {
        Update(_settings with { X0 = Math.Round(point.X, 2), Y0 = Math.Round(point.Y, 2) });
        await InvokeAsync(StateHasChanged);
    }

    // ---- Mini-batch part: up to seconds (batch 1, 20 epochs), computed on a thread of its own -----

    private async Task HandleMiniBatchToggledAsync(bool on)
    {
        _miniBatchOn = on;
        if (on) await RecomputeMiniBatchAsync(publish: true);
        else
        {
            _drawPending = _result is not null;   // the 2-D charts are new components: draw them again
            await PublishAsync();
        }
    }

    private void UpdateMiniBatch(MiniBatchSettings settings)
    {
        _miniBatch = settings;
        _ = RecomputeMiniBatchAsync(publish: true);
    }

    private async Task RecomputeMiniBatchAsync(bool publish = false)
    {
        int generation = ++_miniGeneration;
        var s = _miniBatch;
        _miniErrors = s.Validate();
        if (publish) await PublishAsync();
        if (_miniErrors.Count > 0)
        {
            _miniComputing = false;
            await InvokeAsync(StateHasChanged);
            return;
        }
        _miniComputing = true;
        await InvokeAsync(StateHasChanged);
        var outcome = await Demos.MiniBatchAsync(s);
        if (generation != _miniGeneration || _disposed) return;   // settings moved on meanwhile
        _miniComputing = false;
        _miniErrors = outcome.Errors;
        if (outcome.Ok)
        {
            _traces = outcome.Result;
            _miniMilliseconds = outcome.Milliseconds;
            _tracesLabel = $"{(s.Problem == "noisy-linear" ? $"1b, σ = {s.Noise:0.##}" : "1a")}, batch {s.BatchSize}, {s.Epochs} epoch{(s.Epochs == 1 ? "" : "s")}";
            _miniDrawPending = true;
        }
        await InvokeAsync(StateHasChanged);
    }

    private async Task DrawMiniBatchAsync()
    {
        if (_traces is null || _miniChart is null) return;
        await _miniChart.SetSeriesAsync(_traces.Select(t => new ChartSeries(t.Method, $"{t.Method} (up {t.Increases}×)",
            t.Evaluations, t.FullLoss, SeriesColors.Optimizer(t.Method))));
    }

    // ---- Helpers ----------------------------------------------------------------------------------

    private Task PublishAsync()
    {
        _seen = new LineSearchTabState(_settings, _miniBatch, _miniBatchOn);
        return StateChanged.InvokeAsync(_seen);
    }

    // Chart calls may meet a closed circuit or a chart disposed by a tab switch: nothing left to draw on.
    private static async Task GuardAsync(Func<Task> draw)
    {
        try { await draw(); }
        catch (Exception e) when (e is JSDisconnectedException or ObjectDisposedException or TaskCanceledException) { }
    }

    private string? ErrorFor(string field) => _errors.FirstOrDefault(e => e.Field == field)?.Message;

    // "steps" (batch size and epochs together) belongs to both fields.
    private string? MiniErrorFor(string field) => _miniErrors.FirstOrDefault(e => e.Field == field || e.Field == "steps")?.Message;

    private static string MethodColor(string method) => method switch
    {
        LineSearchDemo.Armijo => SeriesColors.Optimizer(OptimizerCatalog.ArmijoSgd),
        LineSearchDemo.Polyak => SeriesColors.Optimizer(OptimizerCatalog.PolyakSgd),
        _ => SeriesColors.Optimizer(OptimizerCatalog.Sgd),
    };

    private string Name(string method) => method switch
    {
        LineSearchDemo.Armijo => "Armijo",
        LineSearchDemo.Polyak => "Polyak (f* = 0)",
        _ => $"constant {_shown.ConstantLr:0.####}",
    };

    private static string FormatLoss(double v) => !double.IsFinite(v) ? "diverged" : Math.Abs(v) >= 1e5 || (v != 0 && Math.Abs(v) < 1e-3) ? v.ToString("0.0e0") : v.ToString("0.###");

    public void Dispose() => _disposed = true;
}
