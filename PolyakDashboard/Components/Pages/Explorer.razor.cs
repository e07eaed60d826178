using Microsoft.AspNetCore.Components;
using MudBlazor;
using PolyakCore.Explorer;
using PolyakCore.Shared;
using PolyakDashboard.Components.Charts;
using PolyakDashboard.Runs;
using PolyakDashboard.Components.Shared;
using PolyakDashboard.Explorer;
using PolyakCore.Optimization;

namespace PolyakDashboard.Components.Pages;

/// <summary>The two-well explorer: pick a start (click, type it, or arrow keys on the landscape), race the optimizers
/// from there, play the race back, and map which well each start leads to. Everything it shows lives in the URL,
/// the escape map included.</summary>
public sealed partial class Explorer : IAsyncDisposable
{
    private static readonly Dictionary<string, string> WellColors = new()
    {
        ["local"] = SeriesColors.LocalWell, ["global"] = SeriesColors.GlobalWell, ["elsewhere"] = SeriesColors.Elsewhere, ["diverged"] = SeriesColors.Diverged,
    };

    private RaceSettings _settings = new();
    private RaceResult? _race;
    private IReadOnlyList<FieldError> _errors = [];
    private MudForm? _form;
    private readonly PageErrorSync _formErrors = new();
    private IReadOnlyList<string> _urlProblems = [];
    private Landscape? _landscape;
    private LiveChart? _lossChart, _stepChart;
    private string _gridKey = "";
    private bool _drawPending, _computing;
    private int _index, _maxIndex;
    private double _speed = 60;          // steps per second while playing
    private CancellationTokenSource? _play;
    private readonly CancellationTokenSource _closed = new();
    /// <summary>Arrow-key steps across the plotted range: one press moves the start 1/40 of it (Shift: 5/40).</summary>
    private const int KeyboardSteps = 40;
    private EscapeMapView _mapView = new();
    private EscapeMapResult? _map;
    private string? _mapKey;          // what the map on screen was computed for (EscapeMapCache.Key)
    private string? _mapError;
    private string? _limitMessage;

    [Inject] private NavigationManager Navigation { get; set; } = null!;
    [Inject] private ExplorerComputations Computations { get; set; } = null!;

    private bool Playing => _play is not null;

    protected override void OnInitialized()
    {
        var query = new Uri(Navigation.Uri).Query;
        var (settings, problems) = RaceQuery.FromQuery(query);
        var (map, mapProblems) = EscapeMapQuery.FromQuery(query);
        (_settings, _mapView, _urlProblems) = (settings, map, [.. problems, .. mapProblems]);   // map=1: drawn after the first render
        Recompute(updateUrl: false, limited: false);
        Navigation.LocationChanged += HandleLocationChanged;
    }

    // Someone else changed the URL (following the presenter, or back/forward): show what it says.
    private void HandleLocationChanged(object? sender, Microsoft.AspNetCore.Components.Routing.LocationChangedEventArgs e)
    {
        var uri = new Uri(e.Location);
        if (!uri.AbsolutePath.EndsWith("/explorer", StringComparison.OrdinalIgnoreCase)) return;
        var (settings, problems) = RaceQuery.FromQuery(uri.Query);
        var (map, mapProblems) = EscapeMapQuery.FromQuery(uri.Query);
        if (RaceQuery.ToQuery(settings, map) == RaceQuery.ToQuery(_settings, _mapView)) return;     // our own update
        _ = InvokeAsync(() =>
        {
            (_settings, _urlProblems) = (settings, [.. problems, .. mapProblems]);
            Recompute(updateUrl: false, limited: false);
            _mapView = map;                          // shown: drawn after this render (from the cache when the presenter drew it)
            if (!map.Shown || _mapKey != MapKey) _map = null;
            StateHasChanged();
        });
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        await _formErrors.UpdateAsync(_form, _errors);
        if (_drawPending && _landscape is not null)
        {
            _drawPending = false;
            await DrawAsync();
        }
        // A URL that shows the map (a shared link, the presenter's view): computed once the landscape is drawn.
        if (_mapView.Shown && _map is null && !_computing && _errors.Count == 0 && _landscape is not null)
        {
            _computing = true;          // now: the next render must not start it again
            _ = InvokeAsync(async () =>
            {
                await ComputeMapAsync();
                StateHasChanged();
            });
        }
    }

    /// <summary>Validates, races the optimizers (tens of ms; shared by every viewer with the same settings),
    /// and schedules a redraw. A viewer's own changes count against their budget (<paramref name="limited"/>).</summary>
    private void Recompute(bool updateUrl = true, bool limited = true)
    {
        StopPlaying();
        var outcome = Computations.Race(_settings, charge: limited);
        _errors = [.. outcome.Errors.Select(Named)];
        _limitMessage = outcome.Denied is { } denied ? "Not recomputed. " + denied : null;
        if (outcome.Race is { } race)
        {
            _race = race;
            _maxIndex = _race.Lanes.Max(l => l.X0.Length - 1);
            _index = _maxIndex;
        }
        // The map on screen belongs to the settings it was computed for: other settings take it away.
        if (_map is not null && _mapKey != MapKey) (_map, _mapView) = (null, _mapView with { Shown = false });
        if (updateUrl) UpdateUrl();
        _drawPending = true;
    }

    /// <summary>Writes the settings and the escape map into the shareable URL. Only valid settings: while one is bad
    /// the URL keeps the last good ones.</summary>
    private void UpdateUrl()
    {
        if (_errors.Count == 0)
            Navigation.NavigateTo(new Uri(Navigation.Uri).GetLeftPart(UriPartial.Path) + RaceQuery.ToQuery(_settings, _mapView), replace: true);
    }

    private string MapKey => EscapeMapCache.Key(_settings, _mapView.Optimizer, _mapView.Size, _mapView.Orders);

    private async Task DrawAsync()
    {
        if (_landscape is null) return;
        string gridKey = $"{_settings.A}|{_settings.B}|{_settings.WellC}|{_settings.Points}|{_settings.DataSeed}";
        if (gridKey != _gridKey)
        {
            _gridKey = gridKey;
            _map = null;
            await _landscape.ClearOverlayAsync();
            var view = Computations.Landscape(_settings);
            await _landscape.SetGridAsync(view.Grid.Xs, view.Grid.Ys, view.Grid.Values);
            await _landscape.SetMarkersAsync(view.Minima.Select(m => new LandscapeMarker(m.Label, m.X, m.Y)));
        }
        if (_map is null) await _landscape.ClearOverlayAsync();
        await _landscape.SetTrajectoriesAsync(_race is null ? [] : [
            .. _race.Lanes.SelectMany(l => l.OtherPaths.Select(p => new Trajectory(l.Optimizer, SeriesColors.Optimizer(l.Optimizer), p.X0, p.X1, Thin: true))),
            .. _race.Lanes.Select(l => new Trajectory(l.Optimizer, SeriesColors.Optimizer(l.Optimizer), l.X0, l.X1,
                l.Seeds > 1 ? $"{l.Well} · {l.Escaped}/{l.Seeds} escape" : $"{l.Well} · {l.FinalLoss:G3}"))]);
        await DrawChartsAsync();
    }

    // The side charts follow the scrubber: each series up to the current step.
    private async Task DrawChartsAsync()
    {
        if (_race is null || _lossChart is null || _stepChart is null) return;
        int upto = Math.Max(1, _index);
        ChartSeries Series(RaceLane lane, double[] values)
        {
            int n = Math.Min(upto, values.Length);
            return new ChartSeries(lane.Optimizer, lane.Optimizer, [.. Enumerable.Range(1, n).Select(i => (double)i)], values[..n], SeriesColors.Optimizer(lane.Optimizer));
        }
        await _lossChart.SetSeriesAsync(_race.Lanes.Select(l => Series(l, l.Loss)));
        await _stepChart.SetSeriesAsync(_race.Lanes.Select(l => Series(l, l.StepSize)));
    }

    private async Task HandlePointClickedAsync((double X, double Y) point)
    {
        _settings = _settings with { StartX = Math.Round(point.X, 2), StartY = Math.Round(point.Y, 2) };
        Recompute();
        await InvokeAsync(StateHasChanged);
    }

    // Arrow keys on the landscape: the start moves by 1/40 of the plotted range a step, as a click there would.
    private Task HandleArrowKeyAsync(LandscapeNudge nudge)
    {
        var (x, y) = _settings.PlotRange;
        static double Move(double value, int steps, (double Min, double Max) range)
        {
            double from = double.IsFinite(value) ? value : (range.Min + range.Max) / 2;    // a start typed as "abc": from the middle
            return Math.Clamp(Math.Round(from + steps * (range.Max - range.Min) / KeyboardSteps, 2), range.Min, range.Max);
        }
        return HandlePointClickedAsync((Move(_settings.StartX, nudge.Dx, x), Move(_settings.StartY, nudge.Dy, y)));
    }

    private void Update(RaceSettings settings)
    {
        _settings = settings;
        Recompute();
    }

    private void HandleNewNoise() => Update(_settings with { Seed = _settings.Seed + 1, DataSeed = _settings.DataSeed + 1 });

    private void HandlePreset(RaceSettings preset) => Update(preset);

    // Playback: a timer advances the scrubber; the landscape clips the paths in the browser.
    private void HandlePlay()
    {
        if (_race is null) return;
        if (_index >= _maxIndex) _index = 0;
        _play = new CancellationTokenSource();
        _ = PlayAsync(_play.Token);
    }

    private async Task PlayAsync(CancellationToken cancel)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(40));
        double position = _index;
        int frame = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(cancel))
            {
                position = Math.Min(_maxIndex, position + _speed * 0.04);
                _index = (int)position;
                await InvokeAsync(async () =>
                {
                    if (_landscape is not null) await _landscape.SetProgressAsync(_index);
                    if (++frame % 5 == 0 || _index >= _maxIndex) await DrawChartsAsync();   // charts at 5 a second
                    StateHasChanged();
                });
                if (_index >= _maxIndex) break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or Microsoft.JSInterop.JSDisconnectedException)
        {
            return;   // paused, or the page closed
        }
        await InvokeAsync(() => { _play = null; StateHasChanged(); });
    }

    private void StopPlaying()
    {
        _play?.Cancel();
        _play = null;
    }

    private async Task HandleStepAsync(int delta)
    {
        StopPlaying();
        await SeekAsync(_index + delta);
    }

    private async Task SeekAsync(int index)
    {
        _index = Math.Clamp(index, 0, _maxIndex);
        if (_landscape is not null) await _landscape.SetProgressAsync(_index);
        await DrawChartsAsync();
    }

    private async Task HandleEscapeMapAsync()
    {
        await ComputeMapAsync();
        UpdateUrl();            // map=1 once it is drawn: followers who open the URL then get it from the cache
    }

    /// <summary>Computes (or finds) the map of the current settings and draws it; on failure the map is not shown.</summary>
    private async Task ComputeMapAsync()
    {
        _mapError = null;
        string key = MapKey;
        try
        {
            var outcome = await Computations.EscapeMapAsync(_settings, _mapView.Optimizer, _mapView.Size, _mapView.Orders,
                started: () => { _computing = true; StateHasChanged(); }, cancel: _closed.Token);
            _mapError = outcome.Error;
            if (outcome.Map is not { } map || key != MapKey)     // failed, cancelled, or the settings moved on meanwhile
            {
                _mapView = _mapView with { Shown = false };
                return;
            }
            (_map, _mapKey, _mapView) = (map, key, _mapView with { Shown = true });
            if (_landscape is null) return;
            if (map.Seeds > 1)
            {
                // Over several orders: local-well brown (none escape) to global-well cyan (all do), in steps of a quarter.
                string Shade(double f) => SeriesColors.Blend(SeriesColors.LocalWell, SeriesColors.GlobalWell, Math.Round(f * 4) / 4);
                await _landscape.SetOverlayAsync(map.Xs, map.Ys, [.. map.EscapeFraction.Select(f => (string?)Shade(f))], 0.8,   // a gradient must dominate the contour to be read
                    new[] { 0.0, 0.25, 0.5, 0.75, 1.0 }.Select(f => ($"{f * 100:0}% escape", Shade(f))));
            }
            else
                await _landscape.SetOverlayAsync(map.Xs, map.Ys, [.. map.Wells.Select(w => (string?)WellColors[w])], 0.45,
                    WellColors.Where(c => map.Wells.Contains(c.Key)).Select(c => (c.Key + " well", c.Value)));
        }
        catch (Exception e) when (e is Microsoft.JSInterop.JSDisconnectedException or ObjectDisposedException)
        {
            // The page closed while the map was computed or drawn.
        }
        finally
        {
            _computing = false;
        }
    }

    private async Task HandleClearMapAsync()
    {
        (_map, _mapView) = (null, _mapView with { Shown = false });
        if (_landscape is not null) await _landscape.ClearOverlayAsync();
        UpdateUrl();
    }

    // Another optimizer, grid or orders: the map on screen no longer shows them, so it goes (Compute draws the new one).
    private async Task HandleMapViewChangedAsync(EscapeMapView view)
    {
        _mapView = view with { Shown = false };
        if (_map is not null) await HandleClearMapAsync();
        else UpdateUrl();
    }

    private string? ErrorFor(string field) => _errors.FirstOrDefault(e => e.Field == field)?.Message;

    // "Must be positive; got -0.1." names its field: "Constant lr: Must be positive; got -0.1." (the summary above
    // the fields lists several). Messages that already start with the field's name (batch size, epochs, points) stay.
    private static readonly Dictionary<string, string> Labels = new()
    {
        ["lr"] = "Constant lr", ["adamLr"] = "Adam lr", ["fStar"] = "Polyak f*", ["maxStep"] = "Polyak cap", ["c"] = "Polyak c",
        ["a"] = "a", ["b"] = "b", ["wellC"] = "c (well)",
    };

    private static FieldError Named(FieldError e) =>
        Labels.TryGetValue(e.Field, out var label) ? e with { Message = $"{label}: {e.Message}" } : e;

    /// <summary>The escape map's settings, or a note that they need fixing first (never an invalid "batch 0").</summary>
    private string MapSettingsText =>
        ErrorFor("batchSize") is null && ErrorFor("epochs") is null
            ? $"batch {_settings.BatchSize}, {_settings.Epochs} epochs"
            : "with the batch size and epochs above, once they are valid";


    public ValueTask DisposeAsync()
    {
        Navigation.LocationChanged -= HandleLocationChanged;
        StopPlaying();
        _closed.Cancel();          // a map still computing stops: nobody is left to see it
        _closed.Dispose();
        return ValueTask.CompletedTask;
    }
}
