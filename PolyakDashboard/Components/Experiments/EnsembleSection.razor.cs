using Microsoft.AspNetCore.Components;
using PolyakCore.Experiments;
using PolyakCore.Training;
using PolyakDashboard.Components.Charts;
using PolyakDashboard.Experiments;
using PolyakDashboard.Security;

namespace PolyakDashboard.Components.Experiments;

/// <summary>The page's grid over many seeds: medians with 10–90 % bands per panel, filling in as the computation
/// advances; then the escape (1c) or floor-ratio (1b) chart against the batch size, a table of spreads and counts, and
/// the findings of these seeds.</summary>
/// <remarks>The presenter's ensembles are stored as groups (on the Runs page) and shown to every follower, late ones
/// included (what has been computed so far, then the rest); a viewer's own are theirs alone and not stored. An ensemble
/// that ends within <see cref="AtOnceSeconds"/> appears at once; a longer one draws its bands as they fill in, at most
/// every <see cref="BandInterval"/>.</remarks>
public sealed partial class EnsembleSection : IDisposable
{
    /// <summary>Bands are drawn partially only once the computation has taken this long.</summary>
    public const double AtOnceSeconds = 2;
    private static readonly TimeSpan BandInterval = TimeSpan.FromMilliseconds(500), LineInterval = TimeSpan.FromMilliseconds(250);

    private int _seeds = FindingsService.Seeds;
    private SeedVariation _vary = SeedVariation.Both;
    private LiveEnsemble? _live;
    private bool _joined, _disposed;
    private int _updateScheduled;
    private DateTimeOffset _lastBands;
    private ExperimentEnsemble? _result;
    private IReadOnlyList<FieldError> _errors = [];
    private IReadOnlyList<EnsemblePanel> _panels = [];
    private IReadOnlyList<BandSeries> _escape = [], _ratios = [];

    [Inject] private EnsembleService Ensembles { get; set; } = null!;
    [Inject] private ViewerSession Session { get; set; } = null!;
    [Inject] private HeavyComputationGate HeavyGate { get; set; } = null!;
    [Inject] private TimeProvider Time { get; set; } = null!;

    [Parameter, EditorRequired] public string ExperimentId { get; set; } = "";

    /// <summary>The page's current settings, as overrides of the experiment's grid.</summary>
    [Parameter, EditorRequired] public Func<ExperimentOverrides> Overrides { get; set; } = null!;

    private bool Computing => _live is { IsFinished: false };

    /// <summary>idle, computing (nothing drawn yet), partial (bands filling in), completed, cancelled or failed.</summary>
    private string State => _live is null ? "idle" : !_live.IsFinished ? (_panels.Count > 0 ? "partial" : "computing")
        : _live.Status.ToString().ToLowerInvariant();

    /// <summary>The shown ensemble may be stopped here: the presenter's own, or a viewer's own computation.</summary>
    private bool CanStop => Computing && (_joined || (_live!.Id is not null && Session.IsPresenter));

    private string? ErrorFor(string field) => _errors.FirstOrDefault(e => e.Field == field)?.Message;

    protected override void OnInitialized()
    {
        Ensembles.Started += HandleStarted;
        // Like the live charts above: the presenter's newest ensemble of this page, as far as it has got.
        if (Ensembles.Latest(ExperimentId) is { } latest) Show(latest, joined: false);
    }

    private void HandleCompute()
    {
        var overrides = Overrides();
        var spec = new EnsembleSpec(_seeds, _vary);
        _errors = EnsembleService.Validate(ExperimentId, overrides, spec);
        if (_errors.Count > 0) return;
        var slot = HeavyGate.TryEnter();                // first, so a busy server costs the viewer nothing
        if (slot is null) { _errors = [new("ensemble", HeavyComputationGate.Busy)]; return; }
        if (Session.TryCompute(Session.EscapeMapCost) is { } denied) { slot.Dispose(); _errors = [new("ensemble", denied)]; return; }
        try
        {
            // The presenter's is stored and followed; a viewer's is theirs (shared with anyone asking the same).
            bool presenter = Session.IsPresenter;
            var live = presenter ? Ensembles.Start(ExperimentId, overrides, spec) : Ensembles.Compute(ExperimentId, overrides, spec);
            Show(live, joined: !presenter);
            _ = live.Completion.ContinueWith(_ => slot.Dispose(), TaskScheduler.Default);     // the server's slot, held while it computes
        }
        catch (RunValidationException e)
        {
            slot.Dispose();
            _errors = e.Errors;
        }
    }

    private void HandleStop()
    {
        if (_live is not { } live || !CanStop) return;
        if (_joined)
        {
            // A viewer's computation may be shared: leaving cancels it only when nobody else asked for it.
            Ensembles.Leave(live);
            _joined = false;
            live.Changed -= HandleChanged;
            _live = null;
            ClearCharts();
        }
        else live.Cancel();
    }

    /// <summary>Shows <paramref name="live"/>: what it has computed so far at once, then every change.</summary>
    private void Show(LiveEnsemble live, bool joined)
    {
        Detach();
        (_live, _joined) = (live, joined);
        (_seeds, _vary) = (live.Spec.Seeds, live.Spec.Vary);
        _errors = [];
        ClearCharts();
        live.Changed += HandleChanged;
        Update(force: true);
    }

    private void Detach()
    {
        if (_live is not { } old) return;
        old.Changed -= HandleChanged;
        if (_joined) Ensembles.Leave(old);
        (_live, _joined) = (null, false);
    }

    private void ClearCharts()
    {
        (_result, _panels, _escape, _ratios) = (null, [], [], []);
        _lastBands = default;
    }

    // The presenter started an ensemble of this page: a following viewer's section switches to it.
    private void HandleStarted(LiveEnsemble live)
    {
        if (_disposed || live.ExperimentId != ExperimentId || Session.IsPresenter || !Session.Following) return;
        _ = InvokeAsync(() =>
        {
            if (_disposed || ReferenceEquals(_live, live)) return;
            Show(live, joined: false);
            StateHasChanged();
        });
    }

    // On the computing thread: at most one update waits at a time, a quarter of a second after the change before it.
    private void HandleChanged(LiveEnsemble live)
    {
        if (_disposed || Interlocked.Exchange(ref _updateScheduled, 1) == 1) return;
        _ = Task.Run(async () =>
        {
            if (!live.IsFinished) await Task.Delay(LineInterval);
            Volatile.Write(ref _updateScheduled, 0);
            if (_disposed) return;
            await InvokeAsync(() =>
            {
                if (_disposed || !ReferenceEquals(_live, live)) return;
                Update(force: false);
                StateHasChanged();
            });
        });
    }

    /// <summary>The progress line always; the bands once the computation has run <see cref="AtOnceSeconds"/> (at most
    /// every <see cref="BandInterval"/>); everything when it has ended.</summary>
    private void Update(bool force)
    {
        if (_live is not { } live) return;
        if (live.IsFinished)
        {
            if (live.Result is { } done && _result != done)
            {
                _result = done;
                if (live.Status == RunStatus.Completed)
                {
                    _panels = EnsembleCharts.Panels(ExperimentId, done.Result);
                    _escape = EnsembleCharts.EscapeFractions(done.Result);
                    _ratios = EnsembleCharts.FloorRatios(done.Result);
                }
                else _panels = EnsembleCharts.Panels(ExperimentId, EnsembleCharts.Whole(done.Result), null, EnsembleCharts.Points, _panels);
            }
            if (live.Status == RunStatus.Failed) _errors = [new("ensemble", $"The ensemble failed: {live.Message}")];
            return;
        }
        var now = Time.GetUtcNow();
        if (live.Progress is not { } progress || progress.Seconds < AtOnceSeconds || (!force && now - _lastBands < BandInterval)) return;
        _lastBands = now;
        _panels = EnsembleCharts.Panels(ExperimentId, progress.Configurations, null, EnsembleCharts.PartialPoints, _panels);
    }

    private string ProgressText(LiveEnsemble live)
    {
        var p = live.Progress;
        double seconds = p?.Seconds ?? (Time.GetUtcNow() - live.CreatedAt).TotalSeconds;
        return $"Computing {live.Spec.Seeds} seeds × {live.Configurations.Count} configurations · {(p?.Fraction ?? 0):P0} · {seconds:0.0} s";
    }

    public void Dispose()
    {
        _disposed = true;
        Ensembles.Started -= HandleStarted;
        Detach();
    }
}
