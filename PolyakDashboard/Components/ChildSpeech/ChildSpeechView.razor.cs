using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.JSInterop;
using PolyakCore.Text;
using PolyakCore.Training;
using PolyakDashboard.ChildSpeech;
using PolyakDashboard.Components.Charts;
using PolyakDashboard.Components.Experiments;
using PolyakDashboard.Runs;
using PolyakDashboard.Security;

namespace PolyakDashboard.Components.ChildSpeech;

/// <summary>Experiment 1d: character GPTs trained with SGD, Adam and Polyak side by side, their train and validation
/// curves against the corpus's entropy floor, step sizes, checkpoints, and the report's tuning grids.</summary>
/// <remarks>Runs live in the server's queue like every other experiment; this page only starts and watches them.</remarks>
public sealed partial class ChildSpeechView : IAsyncDisposable
{
    public const string ExperimentId = "1d", TuningId = "1d-tune";
    private readonly LaunchBindings _bindings = new();
    private ChildSpeechSettings _settings = new();
    private IReadOnlyList<LiveRun> _runs = [];
    private IReadOnlyList<LiveRun> _tuning = [];
    private IReadOnlyList<FieldError> _errors = [];
    private IReadOnlyList<CorpusInfo> _corpora = [];
    private string? _uploadMessage;
    private bool _uploadFailed, _bindPending, _disposed;
    private ProgressTicker _ticker = null!;
    private LiveChart? _epochChart, _lossChart, _stepChart;

    [Inject] private RunService Runs { get; set; } = null!;
    [Inject] private RunRegistry Registry { get; set; } = null!;
    [Inject] private TrainingHubClient Hub { get; set; } = null!;
    [Inject] private TextLibraries Libraries { get; set; } = null!;
    [Inject] private ViewerSession Session { get; set; } = null!;
    [Inject] private PresenterPresence Presence { get; set; } = null!;
    [Inject] private NavigationManager Navigation { get; set; } = null!;

    private bool IsRunning => _runs.Any(r => !r.IsFinished);
    private bool IsTuning => _tuning.Any(r => !r.IsFinished);
    private long StepsDone => _runs.Sum(r => (long)r.Step);
    private long StepsTotal => Math.Max(1, _runs.Sum(r => (long)r.TotalSteps));
    private CorpusInfo? SelectedCorpus => _corpora.FirstOrDefault(c => c.Name == _settings.Corpus);
    private double? Floor => _runs.Select(r => r.Summary?.EntropyFloor).FirstOrDefault(f => f is not null) ?? SelectedCorpus?.EntropyFloor;

    protected override void OnInitialized()
    {
        _ticker = new ProgressTicker(() => InvokeAsync(StateHasChanged), () => IsRunning || IsTuning, TimeSpan.FromMilliseconds(500));
        _corpora = Libraries.Corpora.List();
        Registry.Changed += HandleRegistryChanged;
        Presence.Moved += HandlePresenterMoved;
        _tuning = Runs.LatestLaunch(TuningId);
        Show(Runs.LatestLaunch(ExperimentId));
        if (IsTuning) _ticker.Start();
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!_bindPending) return;
        _bindPending = false;
        try { await BindChartsAsync(); }
        catch (Exception e) when (e is ObjectDisposedException or JSDisconnectedException or TaskCanceledException) { }
    }

    // A follower shows the launch the presenter shows, as soon as it starts.
    private void HandlePresenterMoved(PresenterLocation where)
    {
        if (_disposed || FollowedLaunch.Find(where, Session, Registry, ExperimentId, _runs) is not { } runs) return;
        _ = InvokeAsync(async () =>
        {
            if (_disposed) return;
            await _bindings.UnbindAsync();
            Show(runs);
            StateHasChanged();
        });
    }

    private async Task HandleRunAsync()
    {
        if (!Session.IsPresenter) { _errors = [new FieldError("role", ViewerSession.PresenterOnly)]; return; }   // the button is disabled; this is the guard
        var result = Runs.StartAll(_settings.ToRequests(), ExperimentId);
        _errors = result.Errors;
        if (!result.Started) return;
        await _bindings.UnbindAsync();
        Show(result.Runs);
        Presence.Show("/" + Navigation.ToBaseRelativePath(Navigation.Uri), result.Runs[0].LaunchId);
    }

    private void HandleTune()
    {
        if (!Session.IsPresenter) { _errors = [new FieldError("role", ViewerSession.PresenterOnly)]; return; }
        var result = Runs.StartExperiment(TuningId, _settings.TuningOverrides());
        _errors = result.Errors;
        if (!result.Started) return;
        _tuning = result.Runs;
        _ticker.Start();
    }

    private void HandleStop()
    {
        if (Session.IsPresenter && _runs.Count > 0) Runs.CancelLaunch(_runs[0].LaunchId);
    }

    private void HandleStopTuning()
    {
        if (Session.IsPresenter && _tuning.Count > 0) Runs.CancelLaunch(_tuning[0].LaunchId);
    }

    private async Task HandleUploadAsync(IBrowserFile? file)
    {
        if (file is null) return;
        if (!Session.IsPresenter) { _uploadFailed = true; _uploadMessage = ViewerSession.PresenterOnly; return; }
        _uploadFailed = false;
        try
        {
            using var memory = new MemoryStream();
            await file.OpenReadStream(Libraries.Corpora.MaxBytes).CopyToAsync(memory);
            var name = CorpusName(file.Name);
            var info = Libraries.Corpora.Save(name, memory.ToArray());
            _ticker = new ProgressTicker(() => InvokeAsync(StateHasChanged), () => IsRunning || IsTuning, TimeSpan.FromMilliseconds(500));
        _corpora = Libraries.Corpora.List();
            _settings.Corpus = info.Name;
            _uploadMessage = $"Added '{info.Name}': {info.Lines:N0} lines, {info.Vocabulary} distinct characters.";
        }
        catch (Exception e) when (e is CorpusException or IOException)
        {
            _uploadFailed = true;
            _uploadMessage = e is IOException && e.Message.Contains("exceeds")
                ? $"The file is larger than the limit of {Libraries.Corpora.MaxBytes / 1024 / 1024} MB."
                : e.Message;
        }
    }

    // "My kids' words (2).txt" → "My-kids-words-2"
    private static string CorpusName(string fileName)
    {
        var stem = Path.GetFileNameWithoutExtension(fileName);
        var safe = new string([.. stem.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-')]).Trim('-');
        while (safe.Contains("--")) safe = safe.Replace("--", "-");
        return safe.Length == 0 ? "corpus" : safe[..Math.Min(60, safe.Length)];
    }

    private void Show(IReadOnlyList<LiveRun> runs)
    {
        _bindings.Next();
        _runs = runs;
        _bindPending = runs.Count > 0;
        if (IsRunning) _ticker.Start();
    }

    private async Task BindChartsAsync()
    {
        int generation = _bindings.Generation;
        if (_epochChart is null || _lossChart is null || _stepChart is null) return;
        Task Keep(ValueTask<IAsyncDisposable> binding) => _bindings.KeepAsync(binding, generation);
        var curves = _runs.SelectMany(r => new[]
        {
            new ChartSeries(r.Id + "-train", $"{r.Request.Optimizer} train", [], [], ColorOf(r)),
            new ChartSeries(r.Id + "-val", $"{r.Request.Optimizer} validation", [], [], LossColors.Paler(ColorOf(r))),
        });
        var perStep = _runs.Select(r => new ChartSeries(r.Id, r.Request.Optimizer, [], [], ColorOf(r))).ToArray();
        await _epochChart.SetSeriesAsync(curves);
        await _lossChart.SetSeriesAsync(perStep);
        await _stepChart.SetSeriesAsync(perStep);
        foreach (var run in _runs)
        {
            if (!_bindings.IsCurrent(generation)) return;
            await Keep(Hub.BindAsync(_epochChart, run.Id + "-train", run.Id, "loss", "epoch", "epochs"));
            await Keep(Hub.BindAsync(_epochChart, run.Id + "-val", run.Id, "valLoss", "epoch", "epochs"));
            await Keep(Hub.BindAsync(_lossChart, run.Id, run.Id, "loss", "step"));
            await Keep(Hub.BindAsync(_stepChart, run.Id, run.Id, "stepSize", "step"));
        }
    }

    private string ColorOf(LiveRun run) => SeriesColors.InGroup([.. _runs.Select(r => r.Request.Optimizer)], _runs.ToList().IndexOf(run));

    /// <summary>Time left at the pace so far (runs share the cores, so the launch is timed as a whole).</summary>
    private string Remaining()
    {
        var started = _runs.Where(r => r.StartedAt is not null).Select(r => r.StartedAt!.Value).DefaultIfEmpty().Min();
        if (StepsDone == 0 || started == default) return "estimating…";
        var elapsed = DateTimeOffset.UtcNow - started;
        var left = TimeSpan.FromSeconds(elapsed.TotalSeconds * (StepsTotal - StepsDone) / StepsDone);
        return $"{Format(elapsed)} elapsed, about {Format(left)} left";
    }

    private static string Format(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours} h {t.Minutes} min" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes} min {t.Seconds} s" : $"{t.Seconds} s";

    private void HandleRegistryChanged(LiveRun run)
    {
        if (_disposed || !(_runs.Contains(run) || _tuning.Contains(run))) return;
        _ = InvokeAsync(StateHasChanged);
    }

    private static string Describe(FieldError e) => Labels.GetValueOrDefault(e.Field, e.Field) + ": " + e.Message;

    private static readonly Dictionary<string, string> Labels = new()
    {
        ["epochs"] = "Epochs", ["batchSize"] = "Batch size", ["optimizerOptions.lr"] = "Learning rate", ["queue"] = "Queue",
        ["problemOptions.text.dropout"] = "Dropout", ["problemOptions.text.evalBatches"] = "Evaluation batches",
        ["problemOptions.text.corpus"] = "Corpus", ["problemOptions.text.nEmbd"] = "Width", ["problemOptions.text.nHead"] = "Heads",
        ["problemOptions.text.nLayer"] = "Layers", ["problemOptions.text.block"] = "Context", ["role"] = "Role",
    };

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        Registry.Changed -= HandleRegistryChanged;
        Presence.Moved -= HandlePresenterMoved;
        _ticker.Dispose();
        await _bindings.DisposeAsync();
    }
}
