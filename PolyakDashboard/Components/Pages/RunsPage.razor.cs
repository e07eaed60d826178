using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;
using PolyakCore.Training;
using PolyakDashboard.History;
using PolyakDashboard.Runs;
using PolyakDashboard.Security;
using PolyakDashboard.Storage;

namespace PolyakDashboard.Components.Pages;

/// <summary>The run history: a server-side paged, sorted and filtered table of every stored run; tick runs to
/// compare, replay, export or delete them; tags and a note per run; import of exported runs.</summary>
public sealed partial class RunsPage : IDisposable
{
    private static readonly IEqualityComparer<RunRow> RowComparer = new ById();
    private MudDataGrid<RunRow>? _grid;
    private HashSet<RunRow> _selected = new(RowComparer);
    private IReadOnlyList<string> _compareIds = [], _compareGroups = [];
    private readonly List<string> _messages = [];
    private Severity _messageSeverity = Severity.Info;
    private string? _search;
    private RunStatus? _status;
    private bool _anyWorker;
    private bool _anyLive, _importing;
    private RunRow? _editing;
    private List<string> _tags = [];
    private string? _newTag, _noteText;
    private IReadOnlyList<FieldError> _annotationErrors = [];
    private readonly CancellationTokenSource _poll = new();
    private readonly SemaphoreSlim _loading = new(1, 1);

    [Inject] private RunStore Store { get; set; } = null!;
    [Inject] private RunService Runs { get; set; } = null!;
    [Inject] private RunHistory History { get; set; } = null!;
    [Inject] private RunImporter Importer { get; set; } = null!;
    [Inject] private IDialogService Dialogs { get; set; } = null!;
    [Inject] private ViewerSession Session { get; set; } = null!;
    [Inject] private EnsembleStore Groups { get; set; } = null!;
    [Inject] private PolyakDashboard.Experiments.EnsembleService Ensembles { get; set; } = null!;

    /// <summary>Initial search text (experiment pages link here with a run's id).</summary>
    [SupplyParameterFromQuery(Name = "search")] public string? InitialSearch { get; set; }

    private long MaxImportBytes => Importer.MaxBytes;
    // The selection's runs export as before; one ensemble alone exports as its zip (its CSV and JSON files together).
    private bool CanExport => _selected.Count > 0 && _selected.All(r => r.IsFinished)
        && (_selected.All(r => !r.IsEnsemble) || _selected.Count == 1);

    private string? ExportHref(string format) => !CanExport ? null
        : _selected.Count == 1 && _selected.First() is { IsEnsemble: true } group ? GroupExportHref(group)
        : $"api/runs/export?ids={Uri.EscapeDataString(string.Join(",", _selected.Select(r => r.Id)))}&format={format}";

    private static string? GroupExportHref(RunRow group) => group.IsFinished ? $"api/ensembles/{Uri.EscapeDataString(group.Id)}/export" : null;

    private static string VaryText(SeedVariation vary) => vary switch
    {
        SeedVariation.Order => "seeds vary the mini-batch order",
        SeedVariation.Data => "seeds vary the data draw",
        _ => "seeds vary data and order",
    };

    protected override void OnInitialized()
    {
        _search = InitialSearch;
        _ = PollAsync(_poll.Token);
    }

    private async Task<GridData<RunRow>> LoadRowsAsync(GridState<RunRow> state, CancellationToken cancel)
    {
        var sort = state.SortDefinitions.FirstOrDefault();
        var query = new RunQuery(_search, _status, SortOf(sort?.SortBy), sort?.Descending ?? true, state.Page * state.PageSize, state.PageSize);
        // One query at a time, in the order asked: a reload started before a delete (after a save, say) that finished
        // after the delete's own reload put the deleted row back on a loaded machine.
        await _loading.WaitAsync(cancel);
        RunPage page;
        try { page = await Task.Run(() => Store.Query(query), cancel); }
        finally { _loading.Release(); }
        _anyLive = page.Rows.Any(r => !r.IsFinished);
        if (!_anyWorker && page.Rows.Any(r => r.Worker is not null))
        {
            _anyWorker = true;                    // runs trained on workers (Runs:Engine=orleans): the column shows
            _ = InvokeAsync(StateHasChanged);
        }
        // Rows read again replace the selected ones (same ids), so the selection shows their new status.
        var fresh = page.Rows.ToDictionary(r => r.Id);
        if (_selected.Any(r => fresh.TryGetValue(r.Id, out var now) && now != r))
        {
            _selected = new(_selected.Select(r => fresh.GetValueOrDefault(r.Id, r)), RowComparer);
            _ = InvokeAsync(StateHasChanged);     // export and delete depend on the selected runs' status
        }
        return new GridData<RunRow> { Items = page.Rows, TotalItems = page.Total };
    }

    private static RunSort SortOf(string? column) => column switch
    {
        nameof(RunRow.ExperimentId) => RunSort.Experiment,
        nameof(RunRow.Problem) => RunSort.Problem,
        nameof(RunRow.Optimizer) => RunSort.Optimizer,
        nameof(RunRow.BatchSize) => RunSort.Batch,
        nameof(RunRow.Seed) => RunSort.Seed,
        nameof(RunRow.Status) => RunSort.Status,
        nameof(RunRow.FinalLoss) => RunSort.FinalLoss,
        nameof(RunRow.Seconds) => RunSort.Duration,
        _ => RunSort.Created,
    };

    private Task ReloadAsync() => _grid?.ReloadServerData() ?? Task.CompletedTask;

    private async Task HandleSearchChangedAsync(string? search)
    {
        _search = search;
        await ReloadAsync();
    }

    private async Task HandleStatusChangedAsync(RunStatus? status)
    {
        _status = status;
        await ReloadAsync();
    }

    private void HandleSelectionChanged(HashSet<RunRow> selected)
    {
        _selected = new(selected, RowComparer);
        var groups = _selected.Where(r => r.IsEnsemble && r.IsFinished).OrderBy(r => r.CreatedAt).Select(r => r.Id).ToList();
        if (groups.Count > GroupCharts.MaxGroups) Say(Severity.Warning, $"The charts show the first {GroupCharts.MaxGroups} of the {groups.Count} ensembles ticked.");
        groups = [.. groups.Take(GroupCharts.MaxGroups)];
        if (!groups.SequenceEqual(_compareGroups)) _compareGroups = groups;
        var ids = _selected.Where(r => !r.IsEnsemble).OrderBy(r => r.CreatedAt).Select(r => r.Id).ToList();
        if (ids.Count > RunCharts.MaxRuns) Say(Severity.Warning, $"The charts show the first {RunCharts.MaxRuns} of the {ids.Count} runs ticked.");
        ids = [.. ids.Take(RunCharts.MaxRuns)];
        if (!ids.SequenceEqual(_compareIds)) _compareIds = ids;
    }

    // ---- Delete ---------------------------------------------------------------------------------

    private Task HandleDeleteSelectedAsync() => HandleDeleteAsync([.. _selected]);

    private async Task HandleDeleteAsync(IReadOnlyList<RunRow> rows)
    {
        if (!Session.IsPresenter) { Say(Severity.Warning, ViewerSession.PresenterOnly); return; }   // buttons are disabled; this is the guard
        var finished = rows.Where(r => r.IsFinished).ToArray();
        if (finished.Length == 0)
        {
            Say(Severity.Warning, "Running and queued runs (and ensembles still computing) cannot be deleted: stop them first.");
            return;
        }
        string what = finished.Length == 1 ? (finished[0].IsEnsemble ? $"the {finished[0].Ensemble!.Title} {finished[0].Id}" : $"run {finished[0].Name}")
            : $"{finished.Length} {(finished.All(r => r.IsEnsemble) ? "ensembles" : finished.Any(r => r.IsEnsemble) ? "runs and ensembles" : "runs")}";
        string skipped = finished.Length < rows.Count ? $" ({rows.Count - finished.Length} still running are kept.)" : "";
        bool? confirmed = await Dialogs.ShowMessageBoxAsync("Delete runs", $"Delete {what} and all their records? This cannot be undone.{skipped}",
            yesText: "Delete", cancelText: "Cancel");
        if (confirmed != true) return;
        int deleted = 0;
        foreach (var row in finished)
        {
            if (row.IsEnsemble)
            {
                if (!await Task.Run(() => Groups.Delete(row.Id))) continue;
                Ensembles.Forget(row.Id);
                deleted++;
                continue;
            }
            if (Runs.Get(row.Id) is not { IsFinished: true } run) continue;
            await History.PurgeAsync(run);
            deleted++;
        }
        _selected = new(_selected.Where(r => !finished.Contains(r, RowComparer)), RowComparer);
        HandleSelectionChanged(_selected);
        if (_editing is not null && finished.Contains(_editing, RowComparer)) _editing = null;
        Say(Severity.Success, $"Deleted {deleted} {(finished.All(r => r.IsEnsemble) ? "ensemble" : "run")}{(deleted == 1 ? "" : "s")}.");
        await ReloadAsync();
    }

    // ---- Tags and note --------------------------------------------------------------------------

    private void HandleEdit(RunRow row)
    {
        _editing = row;
        _tags = [.. row.Tags];
        _noteText = row.Note;
        _newTag = null;
        _annotationErrors = [];
    }

    private void HandleAddTag()
    {
        if (_newTag?.Trim() is { Length: > 0 } tag && !_tags.Contains(tag, StringComparer.OrdinalIgnoreCase)) _tags.Add(tag);
        _newTag = null;
    }

    private Task HandleTagKeyAsync(KeyboardEventArgs e)
    {
        if (e.Key == "Enter") HandleAddTag();
        return Task.CompletedTask;
    }

    private async Task HandleSaveAnnotationsAsync()
    {
        if (_editing is null) return;
        if (!Session.IsPresenter) { _annotationErrors = [new FieldError("role", ViewerSession.PresenterOnly)]; return; }
        var annotations = new RunAnnotations(_tags, _noteText);
        _annotationErrors = annotations.Validate();
        if (_annotationErrors.Count > 0) return;
        if (Runs.Get(_editing.Id) is not { } run)
        {
            _annotationErrors = [new FieldError("run", "This run no longer exists.")];
            return;
        }
        var (tags, note) = annotations.Normalized();
        await History.AnnotateAsync(run, tags, note);
        Say(Severity.Success, $"Saved the tags and note of {_editing.Name}.");
        _editing = null;
        await ReloadAsync();
    }

    // ---- Import ---------------------------------------------------------------------------------

    private async Task HandleImportAsync(IBrowserFile? file)
    {
        if (file is null) return;
        if (!Session.IsPresenter) { Say(Severity.Warning, ViewerSession.PresenterOnly); return; }
        _importing = true;
        ImportReport report;
        try
        {
            if (Importer.TooLarge(file.Name, file.Size) is { } tooLarge) report = new([], [tooLarge]);
            else
            {
                await using var upload = file.OpenReadStream(MaxImportBytes);
                report = await Importer.ImportAsync(file.Name, upload, RunImporter.IsZipName(file.Name));
            }
        }
        finally
        {
            _importing = false;
        }
        _messages.Clear();
        _messages.AddRange(report.Imported.Select(i => $"Imported {i.Line}."));
        _messages.AddRange(report.Problems.Select(p => p.Line));
        _messageSeverity = report.Problems.Count > 0 ? Severity.Error : Severity.Success;
        if (report.Imported.Count > 0) await ReloadAsync();
    }

    // ---- Helpers --------------------------------------------------------------------------------

    private void Say(Severity severity, string message)
    {
        _messages.Clear();
        _messages.Add(message);
        _messageSeverity = severity;
    }

    // Live rows (running, queued) refresh every 2 s, so their progress and end show without a reload.
    private async Task PollAsync(CancellationToken cancel)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
        try
        {
            while (await timer.WaitForNextTickAsync(cancel))
                if (_anyLive) await InvokeAsync(ReloadAsync);
        }
        catch (OperationCanceledException) { }
        catch (ObjectDisposedException) { }
    }

    // Today's runs by time, older ones by date (the full time is the cell's tooltip): the table stays narrow.
    private static string When(DateTimeOffset created)
    {
        var local = created.ToLocalTime();
        // Short, so the last column fits a 1366 px screen; the cell's tooltip has the full time.
        var now = DateTimeOffset.Now;
        return local.Date == now.Date ? local.ToString("HH:mm")
            : local.Year == now.Year ? local.ToString("d MMM", CultureInfo.InvariantCulture)
            : local.ToString("yyyy-MM-dd");
    }

    private static string Duration(double seconds) => seconds switch
    {
        < 1 => $"{seconds * 1000:0} ms",
        < 60 => $"{seconds:0.0} s",
        < 3600 => $"{(int)(seconds / 60)} min {seconds % 60:00} s",
        _ => $"{(int)(seconds / 3600)} h {(int)(seconds % 3600 / 60):00} min",
    };

    private static Color ColorOf(RunStatus status) => status switch
    {
        RunStatus.Completed => Color.Success,
        RunStatus.Diverged or RunStatus.Failed => Color.Error,
        RunStatus.Cancelled or RunStatus.Interrupted => Color.Warning,
        _ => Color.Info,
    };

    public void Dispose()
    {
        _poll.Cancel();
        _poll.Dispose();
    }

    private sealed class ById : IEqualityComparer<RunRow>
    {
        public bool Equals(RunRow? x, RunRow? y) => x?.Id == y?.Id;
        public int GetHashCode(RunRow row) => row.Id.GetHashCode(StringComparison.Ordinal);
    }
}
