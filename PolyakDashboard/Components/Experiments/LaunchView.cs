using Microsoft.AspNetCore.Components;
using PolyakDashboard.Components.Charts;
using PolyakDashboard.Runs;
using PolyakDashboard.Security;

namespace PolyakDashboard.Components.Experiments;

/// <summary>What every experiment page does with the launch it shows: Run and Stop (the presenter's), following the
/// presenter's launches, the hub bindings of its charts, and a progress tick while it trains. A page adds its settings,
/// its charts and its tables.</summary>
/// <remarks>Runs live in the server's queue, not in the page: leaving and coming back shows the newest launch again.</remarks>
public abstract class LaunchView : ComponentBase, IAsyncDisposable
{
    private ProgressTicker? _ticker;

    [Inject] protected RunService Runs { get; set; } = null!;
    [Inject] protected RunRegistry Registry { get; set; } = null!;
    [Inject] protected TrainingHubClient Hub { get; set; } = null!;
    [Inject] protected ViewerSession Session { get; set; } = null!;
    [Inject] protected PresenterPresence Presence { get; set; } = null!;
    [Inject] protected NavigationManager Navigation { get; set; } = null!;
    [Inject] protected TimeProvider Time { get; set; } = null!;

    /// <summary>The experiment whose launches this page shows and follows.</summary>
    protected abstract string LaunchExperimentId { get; }

    /// <summary>How often the progress text re-renders while something trains.</summary>
    protected abstract TimeSpan TickInterval { get; }

    /// <summary>The runs of the launch shown (one launch: one click of Run).</summary>
    protected IReadOnlyList<LiveRun> Shown { get; private set; } = [];

    /// <summary>Why the last Run started nothing, by field.</summary>
    protected IReadOnlyList<FieldError> Errors { get; set; } = [];

    protected LaunchBindings Bindings { get; } = new();

    /// <summary>Set when a launch is shown; the page binds its charts after the next render.</summary>
    protected bool BindPending { get; set; }

    protected bool Disposed { get; private set; }

    protected bool IsRunning => Shown.Any(r => !r.IsFinished);
    protected long StepsDone => Shown.Sum(r => (long)r.Step);
    protected long StepsTotal => Math.Max(1, Shown.Sum(r => (long)r.TotalSteps));

    /// <summary>True while the progress should tick (a page may watch more than its launch).</summary>
    protected virtual bool IsBusy => IsRunning;

    /// <summary>The progress ticker: one per page, made once.</summary>
    protected ProgressTicker Ticker => _ticker ??= new ProgressTicker(() => InvokeAsync(StateHasChanged), () => IsBusy, TickInterval, Time);

    protected override void OnInitialized()
    {
        Registry.Changed += HandleRegistryChanged;
        Presence.Moved += HandlePresenterMoved;
    }

    /// <summary>Shows <paramref name="runs"/>: a new generation of bindings, then the page's own views of them.</summary>
    protected void Show(IReadOnlyList<LiveRun> runs)
    {
        Bindings.Next();
        Shown = runs;
        BindPending = runs.Count > 0;
        OnShow(runs);
        if (IsRunning) Ticker.Start();
    }

    /// <summary>Builds the page's views of a launch it is about to show (panels, contours, …).</summary>
    protected virtual void OnShow(IReadOnlyList<LiveRun> runs) { }

    /// <summary>Called when this page starts showing a launch as it trains: the presenter's Run, or a follower's page
    /// switching to the presenter's new launch (not the last launch shown on arrival). Pages bring their charts into view.</summary>
    protected virtual void OnLiveLaunch() { }

    /// <summary>Called on the renderer's thread when a shown run changes, before the page re-renders.</summary>
    protected virtual void OnShownRunChanged() { }

    /// <summary>True when a change of <paramref name="run"/> should re-render this page.</summary>
    protected virtual bool Watches(LiveRun run) => Shown.Contains(run);

    /// <summary>The presenter's Run: starts, shows the new launch and takes the followers along.</summary>
    protected async Task StartAsync(Func<StartResult> start)
    {
        if (!Session.IsPresenter) { Errors = [new FieldError("role", ViewerSession.PresenterOnly)]; return; }   // the button is disabled; this is the guard
        var result = start();
        Errors = result.Errors;
        if (!result.Started) return;
        await Bindings.UnbindAsync();
        Show(result.Runs);
        OnLiveLaunch();
        Presence.Show("/" + Navigation.ToBaseRelativePath(Navigation.Uri), result.Runs[0].LaunchId);
    }

    /// <summary>The presenter's Stop: cancels the launch shown.</summary>
    protected void HandleStop()
    {
        if (Session.IsPresenter && Shown.Count > 0) Runs.CancelLaunch(Shown[0].LaunchId);
    }

    /// <summary>"optimizerOptions.lr: Must be positive" reads better as "Learning rate: Must be positive".</summary>
    protected string Describe(FieldError e) => FieldLabels.GetValueOrDefault(e.Field, e.Field) + ": " + e.Message;

    /// <summary>The page's names for the request fields it edits.</summary>
    protected abstract IReadOnlyDictionary<string, string> FieldLabels { get; }

    // A follower shows the launch the presenter shows, as soon as it starts.
    private void HandlePresenterMoved(PresenterLocation where)
    {
        if (Disposed || FollowedLaunch.Find(where, Session, Registry, LaunchExperimentId, Shown) is not { } runs) return;
        _ = InvokeAsync(async () =>
        {
            if (Disposed) return;
            await Bindings.UnbindAsync();
            Show(runs);
            OnLiveLaunch();
            StateHasChanged();
        });
    }

    private void HandleRegistryChanged(LiveRun run)
    {
        if (Disposed || !Watches(run)) return;
        _ = InvokeAsync(() =>
        {
            OnShownRunChanged();
            StateHasChanged();
        });
    }

    public virtual async ValueTask DisposeAsync()
    {
        Disposed = true;
        Registry.Changed -= HandleRegistryChanged;
        Presence.Moved -= HandlePresenterMoved;
        _ticker?.Dispose();
        await Bindings.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
