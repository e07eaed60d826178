using PolyakDashboard.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using MudBlazor;
using PolyakCore.Text;
using PolyakCore.Training;
using PolyakDashboard.ChildSpeech;
using PolyakDashboard.Components.Playground;
using PolyakDashboard.Components.Shared;

namespace PolyakDashboard.Components.Pages;

/// <summary>The generation playground: pick checkpoints, set the sampling, and watch the characters stream in
/// (through this page's own circuit) from the <see cref="GenerationService"/>.</summary>
public sealed partial class Playground : IDisposable
{
    private const int DefaultSeed = 42;
    private const int TopCandidates = 5;
    private static readonly TimeSpan RenderInterval = TimeSpan.FromMilliseconds(100);  // at most 10 renders a second: the browser shares the CPU

    private IReadOnlyList<CheckpointInfo> _checkpoints = [];
    private IReadOnlyCollection<string> _selected = [];
    private string _prompt = "";
    private double _temperature = 0.8;
    private int? _topK;
    private double? _topP;
    private int _maxNew = 300;
    private int _samples = 1;
    private int _seed = DefaultSeed;
    private bool _stopAtEndOfLine, _perCharacter;
    private IReadOnlyList<FieldError> _errors = [];
    private MudForm? _form;
    private readonly PageErrorSync _formErrors = new();
    private CancellationTokenSource? _running;
    private PlaygroundOutput? _output;
    private GenerationOutcome? _outcome;
    private bool _stopped;
    private GenerationOutput? _outputView;
    private bool _uploading, _uploadFailed;
    private string? _uploadMessage;
    private long _lastRender;
    private bool _disposed;

    [Inject] private GenerationService Generation { get; set; } = null!;
    [Inject] private TextLibraries Libraries { get; set; } = null!;
    [Inject] private ViewerSession Session { get; set; } = null!;
    [Inject] private ILogger<Playground> Logger { get; set; } = null!;

    /// <summary>The report's sample block order (constant SGD, Polyak SGD, Adam), then the others in drawer order: the
    /// chips and the output columns.</summary>
    private IReadOnlyList<CheckpointInfo> SelectedInfos => [.. _checkpoints.Where(c => _selected.Contains(c.Name)).OrderBy(c => ReportRank(c.Metadata.Optimizer))];

    private static int ReportRank(string optimizer) =>
        CheckpointLibrary.ReportOptimizers.Contains(optimizer) ? CheckpointLibrary.ReportOptimizers.TakeWhile(o => o != optimizer).Count() : int.MaxValue;

    /// <summary>A checkpoint to select on arrival (the 1d page links each run's checkpoints here).</summary>
    [SupplyParameterFromQuery(Name = "checkpoint")] public string? Checkpoint { get; set; }

    private string? _missingCheckpoint;

    protected override Task OnAfterRenderAsync(bool firstRender) => _formErrors.UpdateAsync(_form, _errors);

    protected override void OnInitialized()
    {
        Refresh();
        // No checkpoint asked for: the report's sample block (SGD, Polyak SGD, Adam as shipped) side by side.
        if (Checkpoint is null && CheckpointLibrary.ShippedReportTrio(_checkpoints) is { Count: > 1 } trio)
        {
            _selected = [.. trio];
            return;
        }
        // The one asked for; else the best shipped one, so a fresh clone generates readable text at once.
        var first = _checkpoints.FirstOrDefault(c => c.Name == Checkpoint)
            ?? _checkpoints.OrderByDescending(c => c.Shipped).ThenBy(c => c.Metadata.ValLoss).FirstOrDefault();
        if (first is not null) _selected = [first.Name];
        if (Checkpoint is not null && first?.Name != Checkpoint)      // a stale link (deleted run, typo): say so
            _missingCheckpoint = $"There is no checkpoint '{Checkpoint}'" + (first is null ? "." : $"; showing {first.Name} instead.");
    }

    private void Refresh() => _checkpoints = Libraries.Checkpoints.List();

    private SamplingSettings Settings => new()
    {
        Prompt = _prompt, Temperature = _temperature, TopK = _topK, TopP = _topP, MaxNewCharacters = _maxNew, Samples = _samples,
        Seed = _seed, StopAtEndOfLine = _stopAtEndOfLine, TopCandidates = _perCharacter ? TopCandidates : 0,
    };

    /// <summary>In the chips' order.</summary>
    private IReadOnlyList<string> SelectedNames => [.. SelectedInfos.Select(c => c.Name)];

    private string? ErrorFor(string field) => _errors.FirstOrDefault(e => e.Field == field)?.Message;

    /// <summary>Applies a change and re-checks the settings at once (the numbers; the prompt's characters are checked
    /// against each model's vocabulary when Generate is pressed).</summary>
    private void Update(Action change)
    {
        change();
        _errors = Generation.Validate(SelectedNames, Settings);
    }

    private void HandleSelectionChanged(IReadOnlyCollection<string>? selected) => Update(() => _selected = selected ?? []);

    private void HandleNewSeed() => Update(() => _seed = Random.Shared.Next(0, 100_000));

    private void HandleDefaults() => Update(() =>
    {
        (_prompt, _temperature, _topK, _topP, _maxNew, _samples, _seed) = ("", 0.8, null, null, 300, 1, DefaultSeed);
        _stopAtEndOfLine = _perCharacter = false;
    });

    private async Task HandleGenerateAsync()
    {
        if (_running is not null) return;
        var names = SelectedNames;
        var settings = Settings;
        _errors = Generation.Validate(names, settings);
        if (_errors.Count > 0) return;
        _running = new CancellationTokenSource();
        var previous = (_output, _outcome, _stopped);
        _output = new PlaygroundOutput(names, settings.Prompt, settings.TopCandidates > 0, RequestRender);
        _outcome = null;
        _stopped = false;
        try
        {
            _outcome = await Generation.GenerateAsync(names, settings, _output, _running.Token);
            _stopped = _outcome.Stopped;
            _output.Finish(_outcome.Checkpoints);
        }
        catch (GenerationException e)
        {
            _errors = e.Errors;
            (_output, _outcome, _stopped) = previous;         // nothing ran: the last result stays on screen
        }
        catch (OperationCanceledException)
        {
            _stopped = true;                                  // stopped while waiting in line
            _output?.Finish(null);
        }
        catch (Exception e)
        {
            Logger.LogError(e, "Generation failed");
            _errors = [new FieldError("generation", $"The generation failed: {e.Message}")];
            _output?.Finish(null);
        }
        finally
        {
            _running.Dispose();
            _running = null;
        }
    }

    private void HandleStop() => _running?.Cancel();

    /// <summary>From the generation thread: re-render the output (only) now if its last render is old enough, so the
    /// first character shows at once; otherwise the next character or the end of the generation does it.</summary>
    private void RequestRender()
    {
        long now = Environment.TickCount64;
        if (_disposed || now - Interlocked.Read(ref _lastRender) < RenderInterval.TotalMilliseconds) return;
        Interlocked.Exchange(ref _lastRender, now);
        // Off the generation thread: Blazor runs an InvokeAsync inline when the circuit is idle, and the render would
        // then hold up the next character.
        if (_outputView is { } view) _ = Task.Run(view.RefreshAsync);
    }

    private async Task HandleUploadAsync(IBrowserFile? file)
    {
        if (file is null) return;
        // The button is disabled for viewers; this is the guard (uploads are the presenter's, as on the API).
        if (!Session.IsPresenter) { _uploadFailed = true; _uploadMessage = ViewerSession.PresenterOnly; return; }
        _uploading = true;
        _uploadMessage = null;
        try
        {
            long max = Libraries.MaxCheckpointBytes;
            if (file.Size > max)
                throw new CheckpointException($"{file.Name} is {file.Size / 1048576.0:F1} MB; the upload limit is {max / 1048576.0:F0} MB.");
            var name = UploadName(file.Name);
            using var memory = new MemoryStream();
            await using (var stream = file.OpenReadStream(max))
                await stream.CopyToAsync(memory);
            memory.Position = 0;
            // Loaded whole (weights and all) before it gets its name: a bad file never becomes a checkpoint.
            var info = await Task.Run(() => Libraries.Checkpoints.Import(name, memory, max));
            Refresh();
            _selected = [.. _selected.Append(info.Name).Distinct()];
            _uploadFailed = false;
            _uploadMessage = $"Added '{info.Name}': {info.Metadata.Optimizer}, {info.Metadata.Epoch} epochs, val loss {info.Metadata.ValLoss:F3}.";
        }
        catch (Exception e) when (e is CheckpointException or IOException)
        {
            _uploadFailed = true;
            _uploadMessage = $"Not added: {e.Message}";
        }
        finally
        {
            _uploading = false;
        }
    }

    /// <summary>A safe checkpoint name from a file name: letters, digits, '-', '_' and '.', at most 64.</summary>
    private static string UploadName(string fileName)
    {
        var stem = Path.GetFileNameWithoutExtension(fileName);
        var safe = new string([.. stem.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-')]).Trim('.', '-');
        safe = safe.Replace("..", ".");
        if (safe.Length > 64) safe = safe[..64];
        return safe.Length == 0 ? "uploaded" : safe;
    }

    private static string Describe(CheckpointInfo c)
    {
        var m = c.Metadata;
        return $"{m.Optimizer} · {m.Preset ?? "custom"} · {m.Epoch} epochs · val loss {m.ValLoss:F3} · {m.Corpus} · " +
            $"{m.CreatedAt.ToLocalTime():yyyy-MM-dd HH:mm}{(c.Shipped ? " · shipped" : "")}";
    }

    public void Dispose()
    {
        _disposed = true;
        try { _running?.Cancel(); }                          // a closed page stops its generation
        catch (ObjectDisposedException) { }
    }
}
