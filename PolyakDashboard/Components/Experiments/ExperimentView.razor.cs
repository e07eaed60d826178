using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;
using PolyakCore.Experiments;
using PolyakCore.Problems;
using PolyakCore.Training;
using PolyakDashboard.Components.Charts;
using PolyakDashboard.Components.Shared;
using PolyakDashboard.Runs;
using PolyakDashboard.Security;

namespace PolyakDashboard.Components.Experiments;

/// <summary>One experiment of the report on a page: its settings, a Run/Stop button, live charts per
/// panel of runs, contours with the trajectories, and a results table.</summary>
/// <remarks>Runs live in the server's queue, not in the page: leaving and coming back shows the newest
/// launch again, and a second browser sees the same points. Chart data flows hub → browser directly.</remarks>
public sealed partial class ExperimentView
{
    private readonly Dictionary<string, string> _contourErrors = [];
    private List<Panel> _panels = [];
    private List<ContourGroup> _contours = [];
    private MudForm? _form;
    private readonly PageErrorSync _formErrors = new();
    private ExperimentSettings _settings = null!;
    private Experiment _experiment = null!;
    private bool _resultsPending;
    private bool _settingsExpanded = true;
    private bool _revealPending;

    /// <summary>1a, 1b, 1c or 1e.</summary>
    [Parameter, EditorRequired] public string ExperimentId { get; set; } = "";

    /// <summary>What to look for, in our words.</summary>
    [Parameter] public RenderFragment? Finding { get; set; }

    /// <summary>Groups runs into panels of charts (title of the panel). Default: one panel.</summary>
    [Parameter] public Func<RunRequest, string> PanelOf { get; set; } = _ => "All runs";

    /// <summary>Legend name of a run inside its panel. Default: the optimizer.</summary>
    [Parameter] public Func<RunRequest, string> SeriesName { get; set; } = r => r.Optimizer;

    /// <summary>Groups runs into contour plots (title); null for no contour. Default: null.</summary>
    [Parameter] public Func<RunRequest, string>? ContourOf { get; set; }

    /// <summary>The two parameters a contour shows. Default: (0, 1).</summary>
    [Parameter] public (int I, int J) ContourAxes { get; set; } = (0, 1);

    /// <summary>Draw θ[1] against the iteration for each run (the two-well's x[1]). Default: false.</summary>
    [Parameter] public bool ShowSecondParameter { get; set; }

    /// <summary>Show the per-batch loss chart in each panel (1b shows only epoch loss and step size). Default: true.</summary>
    [Parameter] public bool ShowBatchLoss { get; set; } = true;

    /// <summary>Batch sizes selected when the page opens (a subset of the grid's); null for all.</summary>
    [Parameter] public int[]? InitialBatchSizes { get; set; }

    /// <summary>The parameters a run should reach, for the results table. Default: none.</summary>
    [Parameter] public Func<RunRequest, double[]?> Target { get; set; } = _ => null;

    protected override string LaunchExperimentId => ExperimentId;
    protected override TimeSpan TickInterval => TimeSpan.FromMilliseconds(400);

    private bool IsTwoWell => _experiment.Runs[0].Problem == ProblemCatalog.TwoWell;

    protected override void OnInitialized()
    {
        base.OnInitialized();
        _experiment = ExperimentCatalog.Get(ExperimentId);
        _settings = InitialSettings();
        Show(Runs.LatestLaunch(ExperimentId));
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        await _formErrors.UpdateAsync(_form, Errors);
        try
        {
            if (_revealPending && _panels.FirstOrDefault()?.Step is { } chart)
            {
                _revealPending = false;
                await chart.RevealAsync();
            }
            if (BindPending)
            {
                BindPending = false;
                await BindChartsAsync();
            }
            if (_resultsPending && Shown.Count > 0 && !IsRunning)
            {
                _resultsPending = false;
                await DrawResultsAsync();
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or JSDisconnectedException or TaskCanceledException)
        {
            // A newer launch replaced these charts, or the page closed, while we were talking to them.
        }
    }

    private Task HandleRunAsync() => StartAsync(() => Runs.StartExperiment(ExperimentId, _settings.ToOverrides(IsTwoWell)));

    private ExperimentSettings InitialSettings()
    {
        var settings = ExperimentSettings.For(ExperimentId);
        if (InitialBatchSizes is { } batches) settings.BatchSizes = batches;
        return settings;
    }

    private void HandleReset()
    {
        _settings = InitialSettings();
        Errors = [];
    }

    // A viewer cannot run; their form shows what the launch on their screen ran with.
    private bool SettingsReadOnly => !Session.IsPresenter && Shown.Count > 0;

    protected override void OnShow(IReadOnlyList<LiveRun> runs)
    {
        if (!Session.IsPresenter && runs.Count > 0) _settings = ExperimentSettings.FromLaunch(ExperimentId, [.. runs.Select(r => r.Request)]);
        _panels = [.. runs.GroupBy(r => PanelOf(r.Request)).Select(g => new Panel(g.Key, [.. g], FloorOf(g.First().Request)))];
        _contours = ContourOf is null ? [] : [.. runs.GroupBy(r => ContourOf(r.Request)).Select(g => new ContourGroup(g.Key, [.. g]))];
        _contourErrors.Clear();
        _resultsPending = runs.Count > 0;
    }

    // While a launch trains its charts matter, not the form: the settings fold to one line and the charts come into view.
    protected override void OnLiveLaunch()
    {
        _settingsExpanded = false;
        _revealPending = true;
    }

    // The least-squares loss: the floor a noisy regression cannot go below (none to draw when it is ~0).
    private static double? FloorOf(RunRequest request) => Optima.Loss(request) is > 1e-12 and var floor ? floor : null;

    private async Task BindChartsAsync()
    {
        int generation = Bindings.Generation;
        Task Keep(ValueTask<IAsyncDisposable> binding) => Bindings.KeepAsync(binding, generation);
        foreach (var panel in _panels.ToArray())
        {
            if (panel.Step is null || panel.Epoch is null || !Bindings.IsCurrent(generation)) continue;
            var series = panel.Runs.Select(r => new ChartSeries(r.Id, SeriesName(r.Request), [], [], ColorOf(panel, r))).ToArray();
            if (panel.Loss is not null) await panel.Loss.SetSeriesAsync(series);
            await panel.Step.SetSeriesAsync(series);
            await panel.Epoch.SetSeriesAsync(series);
            foreach (var run in panel.Runs)
            {
                if (!Bindings.IsCurrent(generation)) return;
                if (panel.Loss is not null) await Keep(Hub.BindAsync(panel.Loss, run.Id, run.Id, "loss", "step"));
                await Keep(Hub.BindAsync(panel.Step, run.Id, run.Id, "stepSize", "step"));
                await Keep(Hub.BindAsync(panel.Epoch, run.Id, run.Id, "loss", "epoch", "epochs"));
            }
        }
    }

    // One colour per optimizer, unless a panel holds the same optimizer twice. From the run's own panel, not a look-up in
    // _panels: a newer launch may have replaced those while a page was still drawing the older one's results (the look-up
    // threw, and the exception ended the circuit: the new launch's charts kept only the series bound by then).
    private static string ColorOf(Panel panel, LiveRun run) =>
        SeriesColors.InGroup([.. panel.Runs.Select(r => r.Request.Optimizer)], panel.Runs.IndexOf(run));

    private int ChartColumns => (ShowBatchLoss ? 1 : 0) + 2 + (ShowSecondParameter ? 1 : 0);

    /// <summary>At most three charts a row (four at 1280 px were ~236 px each): 1c's four go two by two.</summary>
    private int ChartsPerRow => ChartColumns <= 3 ? ChartColumns : 2;

    /// <summary>Once every run has ended: contours with the paths, and θ[1] per iteration.</summary>
    private async Task DrawResultsAsync()
    {
        int generation = Bindings.Generation;
        foreach (var group in _contours)
        {
            if (group.Chart is null || !Bindings.IsCurrent(generation)) continue;
            try
            {
                var view = TrajectoryViews.Build(group.Runs, ContourAxes.I, ContourAxes.J);
                await group.Chart.SetGridAsync(view.Grid.Xs, view.Grid.Ys, view.Grid.Values);
                await group.Chart.SetMarkersAsync(view.Minima.Select(m => new LandscapeMarker(m.Label, m.X, m.Y)));
                await group.Chart.SetTrajectoriesAsync(view.Paths.Select(p =>
                {
                    var run = group.Runs.First(r => r.Id == p.RunId);
                    return new Trajectory(run.Request.Label ?? run.Id, ContourColor(group, run), p.X, p.Y);
                }));
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                _contourErrors[group.Title] = e.Message;
            }
        }
        if (ShowSecondParameter)
            foreach (var panel in _panels.Where(p => p.Second is not null).ToArray())
            {
                if (!Bindings.IsCurrent(generation)) break;     // Run pressed meanwhile: these charts are gone
                await panel.Second!.SetSeriesAsync(panel.Runs.Select(r =>
                {
                    var records = r.Batches().Where(b => b.Parameters is { Length: > 1 }).ToArray();
                    return new ChartSeries(r.Id, SeriesName(r.Request), [.. records.Select(b => (double)b.Step)], [.. records.Select(b => b.Parameters![1])], ColorOf(panel, r));
                }).ToArray());
            }
        StateHasChanged();
    }

    private static string ContourColor(ContourGroup group, LiveRun run) =>
        SeriesColors.InGroup([.. group.Runs.Select(r => r.Request.Optimizer)], group.Runs.IndexOf(run));

    protected override void OnShownRunChanged()
    {
        if (!IsRunning) _resultsPending = true;
    }

    private string? ErrorFor(string field) => Errors.FirstOrDefault(e => e.Field == field)?.Message;

    protected override IReadOnlyDictionary<string, string> FieldLabels => Labels;

    private static readonly Dictionary<string, string> Labels = new()
    {
        ["epochs"] = "Epochs", ["optimizerOptions.lr"] = "Learning rate", ["optimizerOptions.fStar"] = "Polyak f*",
        ["optimizerOptions.eps"] = "Polyak ε", ["optimizerOptions.maxStep"] = "Polyak cap", ["optimizerOptions.c"] = "Polyak scale c",
        ["problemOptions.a"] = "a", ["problemOptions.start"] = "Start", ["batchSize"] = "Batch size", ["queue"] = "Queue", ["role"] = "Role",
    };

    private sealed class Panel(string title, List<LiveRun> runs, double? floor)
    {
        public string Title { get; } = title;
        public List<LiveRun> Runs { get; } = runs;
        public double? Floor { get; } = floor;
        public LiveChart? Loss { get; set; }
        public LiveChart? Step { get; set; }
        public LiveChart? Epoch { get; set; }
        public LiveChart? Second { get; set; }
    }

    private sealed class ContourGroup(string title, List<LiveRun> runs)
    {
        public string Title { get; } = title;
        public List<LiveRun> Runs { get; } = runs;
        public Landscape? Chart { get; set; }
    }
}
