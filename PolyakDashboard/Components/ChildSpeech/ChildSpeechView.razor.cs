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
public sealed partial class ChildSpeechView
{
    public const string ExperimentId = "1d", TuningId = "1d-tune";
    private ChildSpeechSettings _settings = new();
    private IReadOnlyList<LiveRun> _tuning = [];
    private IReadOnlyList<CorpusInfo> _corpora = [];
    private string? _uploadMessage;
    private bool _uploadFailed;
    private bool _settingsExpanded = true;
    private bool _revealPending;
    private LiveChart? _epochChart, _lossChart, _stepChart;

    [Inject] private TextLibraries Libraries { get; set; } = null!;

    protected override string LaunchExperimentId => ExperimentId;
    protected override TimeSpan TickInterval => TimeSpan.FromMilliseconds(500);
    protected override bool IsBusy => IsRunning || IsTuning;
    protected override bool Watches(LiveRun run) => Shown.Contains(run) || _tuning.Contains(run);

    private bool IsTuning => _tuning.Any(r => !r.IsFinished);
    private CorpusInfo? SelectedCorpus => _corpora.FirstOrDefault(c => c.Name == _settings.Corpus);
    // The chart's reference line: the floor the shown runs trained against, else the form's corpus's floor, else (an
    // uploaded corpus) its best n-gram loss, measured at upload.
    private double? Floor => Shown.Select(r => r.Summary?.EntropyFloor).FirstOrDefault(f => f is not null)
        ?? (Shown.Count > 0 && Shown[0].Request.ProblemOptions.Text?.Corpus is { } shownCorpus && shownCorpus != ChildSpeechCorpus.Name
            ? _corpora.FirstOrDefault(c => c.Name == shownCorpus)?.Reference?.Best.ValLoss
            : _settings.IsBuiltInCorpus ? ShownFloor : SelectedCorpus?.Reference?.Best.ValLoss);
    private string ReferenceLabel => Floor is not null && Shown.All(r => r.Summary?.EntropyFloor is null)
        && (Shown.Count > 0 ? Shown[0].Request.ProblemOptions.Text?.Corpus is { } c && c != ChildSpeechCorpus.Name : !_settings.IsBuiltInCorpus)
        ? "best n-gram (Kneser–Ney)" : "entropy floor";
    private static readonly double DefaultFloor = ChildSpeechCorpus.EntropyFloor();
    private (double? Floor, string? Problem) FloorOfSettings => _settings.IsBuiltInCorpus ? TextLibraries.FloorOf(_settings.Generator()) : (null, null);
    private double? ShownFloor => FloorOfSettings.Floor;
    private string? FloorProblem => FloorOfSettings.Problem;
    private int PhraseCount => _settings.PhrasesText.Split('\n').Count(p => p.Trim().Length > 0);

    protected override void OnInitialized()
    {
        base.OnInitialized();
        _corpora = Libraries.Corpora.List();
        _tuning = Runs.LatestLaunch(TuningId);
        Show(Runs.LatestLaunch(ExperimentId));
        if (IsTuning) Ticker.Start();
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        try
        {
            if (_revealPending && _epochChart is not null)
            {
                _revealPending = false;
                await _epochChart.RevealAsync();
            }
            if (!BindPending) return;
            BindPending = false;
            await BindChartsAsync();
        }
        catch (Exception e) when (e is ObjectDisposedException or JSDisconnectedException or TaskCanceledException) { }
    }

    // A viewer cannot run; their form shows what the launch on their screen ran with.
    private bool SettingsReadOnly => !Session.IsPresenter && Shown.Count > 0;

    protected override void OnShow(IReadOnlyList<LiveRun> runs)
    {
        if (!Session.IsPresenter && runs.Count > 0) _settings = ChildSpeechSettings.FromLaunch([.. runs.Select(r => r.Request)]);
    }

    // While a launch trains its charts matter, not the form: the settings fold to one line and the charts come into view.
    protected override void OnLiveLaunch()
    {
        _settingsExpanded = false;
        _revealPending = true;
    }

    private Task HandleRunAsync() => StartAsync(() => Runs.StartAll(_settings.ToRequests(), ExperimentId));

    private void HandleTune()
    {
        if (!Session.IsPresenter) { Errors = [new FieldError("role", ViewerSession.PresenterOnly)]; return; }
        var result = Runs.StartExperiment(TuningId, _settings.TuningOverrides());
        Errors = result.Errors;
        if (!result.Started) return;
        _tuning = result.Runs;
        Ticker.Start();
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
            _uploadMessage = "Checking the file and counting its n-gram reference…";
            StateHasChanged();
            // Off the circuit's thread: a large upload's n-gram counts take seconds, and the page keeps answering meanwhile.
            var bytes = memory.ToArray();
            var info = await Task.Run(() => Libraries.Corpora.Save(name, bytes));
            _corpora = Libraries.Corpora.List();
            _settings.Corpus = info.Name;
            _uploadMessage = $"Added '{info.Name}': {info.Lines:N0} lines, {info.Vocabulary} distinct characters" +
                (info.Reference is { } reference ? $"; its measured reference, the best character n-gram (n = {reference.Best.N}, Kneser–Ney), reaches {reference.Best.ValLoss:F3} nats/char on validation." : ".");
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

    private async Task BindChartsAsync()
    {
        int generation = Bindings.Generation;
        if (_epochChart is null || _lossChart is null || _stepChart is null) return;
        Task Keep(ValueTask<IAsyncDisposable> binding) => Bindings.KeepAsync(binding, generation);
        var curves = Shown.SelectMany(r => new[]
        {
            new ChartSeries(r.Id + "-train", $"{r.Request.Optimizer} train", [], [], ColorOf(r)),
            new ChartSeries(r.Id + "-val", $"{r.Request.Optimizer} validation", [], [], LossColors.Paler(ColorOf(r))),
        });
        var perStep = Shown.Select(r => new ChartSeries(r.Id, r.Request.Optimizer, [], [], ColorOf(r))).ToArray();
        await _epochChart.SetSeriesAsync(curves);
        await _lossChart.SetSeriesAsync(perStep);
        await _stepChart.SetSeriesAsync(perStep);
        foreach (var run in Shown)
        {
            if (!Bindings.IsCurrent(generation)) return;
            await Keep(Hub.BindAsync(_epochChart, run.Id + "-train", run.Id, "loss", "epoch", "epochs"));
            await Keep(Hub.BindAsync(_epochChart, run.Id + "-val", run.Id, "valLoss", "epoch", "epochs"));
            await Keep(Hub.BindAsync(_lossChart, run.Id, run.Id, "loss", "step"));
            await Keep(Hub.BindAsync(_stepChart, run.Id, run.Id, "stepSize", "step"));
        }
    }

    private string ColorOf(LiveRun run) => SeriesColors.InGroup([.. Shown.Select(r => r.Request.Optimizer)], Shown.ToList().IndexOf(run));

    /// <summary>Time left at the pace so far (runs share the cores, so the launch is timed as a whole).</summary>
    private string Remaining()
    {
        var started = Shown.Where(r => r.StartedAt is not null).Select(r => r.StartedAt!.Value).DefaultIfEmpty().Min();
        if (started == default) return "waiting to start…";
        var elapsed = Time.GetUtcNow() - started;
        // The first steps take seconds (the model is built, the first metrics come at the metric interval): the clock runs meanwhile.
        if (StepsDone == 0) return $"{Format(elapsed)} elapsed, estimating the time left…";
        var left = TimeSpan.FromSeconds(elapsed.TotalSeconds * (StepsTotal - StepsDone) / StepsDone);
        return $"{Format(elapsed)} elapsed, about {Format(left)} left";
    }

    private static string Format(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours} h {t.Minutes} min" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes} min {t.Seconds} s" : $"{t.Seconds} s";

    protected override IReadOnlyDictionary<string, string> FieldLabels => Labels;

    private static readonly Dictionary<string, string> Labels = new()
    {
        ["epochs"] = "Epochs", ["batchSize"] = "Batch size", ["optimizerOptions.lr"] = "Learning rate", ["queue"] = "Queue",
        ["problemOptions.text.dropout"] = "Dropout", ["problemOptions.text.evalBatches"] = "Evaluation batches",
        ["problemOptions.text.corpus"] = "Corpus", ["problemOptions.text.nEmbd"] = "Width", ["problemOptions.text.nHead"] = "Heads",
        ["problemOptions.text.nLayer"] = "Layers", ["problemOptions.text.block"] = "Context", ["role"] = "Role",
        ["problemOptions.text.generator"] = "Corpus shape", ["problemOptions.text.generator.zipf"] = "Zipf skew",
        ["problemOptions.text.generator.phrasesPerLine"] = "Phrases per line", ["problemOptions.text.generator.phrases"] = "Phrases",
    };
}
