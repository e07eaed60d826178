using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using PolyakDashboard.Components.Charts;
using PolyakDashboard.Runs;
using PolyakDashboard.History;

namespace PolyakDashboard.Components.Runs;

/// <summary>The selected runs overlaid on three live charts (mini-batch loss, step size, loss per epoch with the
/// validation loss dashed), by step, epoch or wall time, and replayed through the same charts at a chosen speed.</summary>
/// <remarks>Lines come decimated from <see cref="RunCharts"/> (read off the training thread pool, a million records
/// in well under a second); the replay runs in the browser (RunCompare.razor.js) on a clock computed here by
/// <see cref="ReplaySchedule"/>, appending points to the charts the way live training does.</remarks>
public sealed partial class RunCompare : IAsyncDisposable
{
    private const string ModulePath = "./Components/Runs/RunCompare.razor.js";
    private readonly string _clockId = $"replay-{Guid.NewGuid():N}";
    private IReadOnlyList<RunChartData> _data = [];
    private IReadOnlyList<string> _shownIds = [];
    private ChartX _axis = ChartX.Step;
    private bool _logY = true, _drawPending, _disposed, _refreshing;
    private string _state = "loading", _replay = "stopped", _speed = "fit";
    private double _fitSeconds = 60;
    private string? _note, _replayNote;
    private int _generation;
    private LiveChart? _loss, _step, _epoch;
    private Task<IJSObjectReference>? _module;
    private DotNetObjectReference<RunCompare>? _self;

    [Inject] private RunCharts Charts { get; set; } = null!;
    [Inject] private IJSRuntime JS { get; set; } = null!;

    /// <summary>The runs to compare, in legend order (colours follow it).</summary>
    [Parameter, EditorRequired] public IReadOnlyList<string> RunIds { get; set; } = [];

    private string XTitle => _axis switch { ChartX.Epoch => "epoch", ChartX.Seconds => "seconds", _ => "step" };

    protected override async Task OnParametersSetAsync()
    {
        if (RunIds.SequenceEqual(_shownIds)) return;
        _shownIds = [.. RunIds];
        await LoadAsync();
    }

    private async Task LoadAsync(bool refresh = false)
    {
        int generation = ++_generation;
        _state = refresh ? "refreshing" : "loading";     // "ready" again once the charts have the new lines
        if (!refresh) await StopReplayAsync(restore: false);
        var ids = _shownIds;
        var axis = _axis;
        var data = await Task.Run(() => Charts.Compare(ids, axis));
        if (generation != _generation) return;     // a newer selection overtook this one
        _data = data;
        // A short run replays over a few seconds, a long one over a minute (the user can change it).
        if (!refresh) _fitSeconds = ReplaySchedule.DefaultFitSeconds(data.Select(d => ReplaySchedule.Clock(d.Loss.Seconds, d.Loss.Steps, d.HasTime).DefaultIfEmpty(0).Max()));
        var noTime = data.Where(d => !d.HasTime).Select(d => d.Name).ToArray();
        _note = axis == ChartX.Seconds && noTime.Length > 0
            ? $"No wall time was recorded for {string.Join(", ", noTime)} (stored before it was kept): not drawn on this axis."
            : null;
        _drawPending = true;
        StateHasChanged();
        if (data.Any(d => d.Status is PolyakCore.Training.RunStatus.Queued or PolyakCore.Training.RunStatus.Running)) StartRefreshing();
    }

    // Runs still training are read again every 2 s (replays are left alone), until all have ended.
    private void StartRefreshing()
    {
        if (_refreshing) return;
        _refreshing = true;
        _ = RefreshAsync();
    }

    private async Task RefreshAsync()
    {
        try
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
            while (!_disposed && await timer.WaitForNextTickAsync())
            {
                if (_disposed || !_data.Any(d => d.Status is PolyakCore.Training.RunStatus.Queued or PolyakCore.Training.RunStatus.Running)) break;
                if (_replay == "stopped" && _state == "ready") await InvokeAsync(() => LoadAsync(refresh: true));
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or JSDisconnectedException or TaskCanceledException) { }
        finally { _refreshing = false; }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!_drawPending || _loss is null || _step is null || _epoch is null) return;
        _drawPending = false;
        int generation = _generation;
        try
        {
            await _loss.SetSeriesAsync(Series(d => d.Loss));
            await _step.SetSeriesAsync(Series(d => d.StepSize));
            await _epoch.SetSeriesAsync(EpochSeries());
            if (generation != _generation) return;
            _state = "ready";
            StateHasChanged();
        }
        catch (Exception e) when (e is JSDisconnectedException or ObjectDisposedException or TaskCanceledException)
        {
            // The page closed while the charts were being filled.
        }
    }

    private IEnumerable<ChartSeries> Series(Func<RunChartData, ChartLine> line) =>
        _data.Select((d, i) => new ChartSeries(d.Id, d.Name, line(d).X, line(d).Y, ColorOf(i)));

    // As the experiment pages and figures colour runs: by optimizer, shades of it for a repeated one.
    private string ColorOf(int i) => SeriesColors.InGroup([.. _data.Select(d => d.Optimizer)], i);

    private IEnumerable<ChartSeries> EpochSeries() => _data.SelectMany((d, i) =>
    {
        var train = new ChartSeries(d.Id, d.Name, d.EpochLoss.X, d.EpochLoss.Y, ColorOf(i));
        return d.ValLoss is { } val
            ? [train with { Name = d.Name + " (train)" }, new ChartSeries(d.Id + ":val", d.Name + " (val)", val.X, val.Y, ColorOf(i), Dashed: true)]
            : new[] { train };
    });

    private async Task HandleAxisChangedAsync(ChartX axis)
    {
        _axis = axis;
        await LoadAsync();
    }

    private void HandleLogYChanged(bool logY) => _logY = logY;

    // ---- Replay -------------------------------------------------------------------------------

    private ReplaySpeed Speed => _speed == "fit" ? ReplaySpeed.FitTo(Math.Clamp(_fitSeconds, 1, 3600)) : ReplaySpeed.Times(double.Parse(_speed, System.Globalization.CultureInfo.InvariantCulture));

    private async Task HandlePlayAsync()
    {
        if (_data.Count == 0 || _loss is null || _step is null || _epoch is null) return;
        try
        {
            var module = await GetModuleAsync();
            if (_replay == "paused")
            {
                await module.InvokeVoidAsync("resume", _clockId);
                _replay = "playing";
                return;
            }
            var tracks = new List<object>();
            void Add(LiveChart chart, string series, ChartLine line, bool hasTime) => tracks.Add(new
            {
                chart = chart.ElementId, series, x = Bytes(line.X), y = Bytes(line.Y),
                clock = Bytes(ReplaySchedule.Clock(line.Seconds, line.Steps, hasTime)),
            });
            foreach (var d in _data)
            {
                Add(_loss, d.Id, d.Loss, d.HasTime);
                Add(_step, d.Id, d.StepSize, d.HasTime);
                Add(_epoch, d.Id, d.EpochLoss, d.HasTime);
                if (d.ValLoss is { } val) Add(_epoch, d.Id + ":val", val, d.HasTime);
            }
            var ends = _data.Select(d => ReplaySchedule.Clock(d.Loss.Seconds, d.Loss.Steps, d.HasTime).DefaultIfEmpty(0).Max());
            var plan = ReplaySchedule.Plan(ends, Speed);
            _self ??= DotNetObjectReference.Create(this);
            await module.InvokeVoidAsync("start", _clockId, tracks, plan.Rate, plan.Duration, _self);
            _replay = "playing";
            _replayNote = (plan.Stretched
                    ? $"{Speed} would be over in {plan.Recorded / Speed.Factor!.Value:0.##} s: slowed to {plan.Duration:0.#} s"
                    : $"{Speed}") + $" · recorded {plan.Recorded:0.##} s"
                + (_data.Any(d => !d.HasTime) ? $" ({ReplaySchedule.FallbackStepsPerSecond:0} steps a second for runs without wall time)" : "");
        }
        catch (Exception e) when (e is JSDisconnectedException or ObjectDisposedException or TaskCanceledException) { }
    }

    private async Task HandlePauseAsync()
    {
        try
        {
            await (await GetModuleAsync()).InvokeVoidAsync("pause", _clockId);
            _replay = "paused";
        }
        catch (Exception e) when (e is JSDisconnectedException or ObjectDisposedException or TaskCanceledException) { }
    }

    private Task HandleStopAsync() => StopReplayAsync(restore: true);

    private async Task StopReplayAsync(bool restore)
    {
        if (_replay == "stopped" || _module is null) { _replay = "stopped"; return; }
        _replay = "stopped";
        _replayNote = null;
        try
        {
            await (await _module).InvokeVoidAsync("stop", _clockId, restore);
        }
        catch (Exception e) when (e is JSDisconnectedException or ObjectDisposedException or TaskCanceledException) { }
    }

    /// <summary>Called by the replay when its last point is shown.</summary>
    [JSInvokable]
    public Task HandleReplayEndedAsync() => InvokeAsync(() =>
    {
        if (_disposed) return;
        _replay = "stopped";
        StateHasChanged();
    });

    private Task<IJSObjectReference> GetModuleAsync() =>
        _module ??= JS.InvokeAsync<IJSObjectReference>("import", ModulePath).AsTask();

    private static byte[] Bytes(double[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        if (_module is not null)
        {
            try
            {
                var module = await _module;
                await module.InvokeVoidAsync("stop", _clockId, false);
                await module.DisposeAsync();
            }
            catch (Exception e) when (e is JSDisconnectedException or ObjectDisposedException or InvalidOperationException or TaskCanceledException) { }
        }
        _self?.Dispose();
    }
}
