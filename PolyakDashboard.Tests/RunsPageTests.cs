using Bunit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MudBlazor;
using MudBlazor.Services;
using PolyakCore.Training;
using PolyakDashboard.Components.Charts;
using PolyakDashboard.Components.Pages;
using PolyakDashboard.History;
using PolyakDashboard.Runs;
using PolyakDashboard.Storage;

namespace PolyakDashboard.Tests;

/// <summary>The Runs page on a real run store (a temp file) with a few stored runs.</summary>
public sealed class RunsPageTests : IAsyncLifetime
{
    private readonly string _folder = StoreTestKit.TempFolder();
    private readonly BunitContext _ctx = new();
    private RunStore _store = null!;

    public Task InitializeAsync()
    {
        _store = StoreTestKit.OpenStore(_folder);
        var options = Options.Create(new RunOptions { MaxQueueLength = 10 });
        var registry = new RunRegistry(options, _store);
        var queue = new RunQueue(options, NullLogger<RunQueue>.Instance);   // not started
        var service = new RunService(registry, queue, options);
        _ctx.AddViewerServices(presenter: true);
        _ctx.Services.AddMudServices();
        _ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        _ctx.Services.AddSingleton(_store);
        _ctx.Services.AddSingleton(registry);
        _ctx.Services.AddSingleton(queue);
        _ctx.Services.AddSingleton(service);
        _ctx.Services.AddSingleton(options);
        _ctx.Services.AddSingleton(new RunHistory(_store, registry, options, NullLogger<RunHistory>.Instance));
        _ctx.Services.AddSingleton<RunImporter>();
        _ctx.Services.AddSingleton(new RunCharts(service, _store));
        _ctx.Services.AddSingleton(new EnsembleStore(_store));
        _ctx.Services.AddSingleton<GroupCharts>();
        _ctx.Services.AddScoped<TrainingHubClient>();

        Store("sgd-run", "sgd", 0.5, DateTimeOffset.Parse("2026-03-01T10:00:00Z"), ["lecture"]);
        Store("polyak-run", "polyak-sgd", 0.25, DateTimeOffset.Parse("2026-03-02T10:00:00Z"), []);
        Store("adam-run", "adam", 0.125, DateTimeOffset.Parse("2026-03-03T10:00:00Z"), []);
        return Task.CompletedTask;
    }

    private void Store(string id, string optimizer, double finalLoss, DateTimeOffset created, string[] tags)
    {
        var request = new RunRequest { Problem = "quadratic", Optimizer = optimizer, BatchSize = 10, Epochs = 2 };
        var run = new StoredRun(id, "launch-" + id, null, request, RunStatus.Completed, null, created, created.AddSeconds(1), created.AddSeconds(3),
            4, ["w1", "w2", "b"], new RunSummary { Status = RunStatus.Completed, FinalLoss = finalLoss, Request = request }, tags, null);
        BatchRecord[] batches = [.. Enumerable.Range(1, 4).Select(s => new BatchRecord(s, (s + 1) / 2, 1.0 / s, 0.1, 1, 0.1, 1, null) { Seconds = 0.5 * s })];
        _store.Write([new RunWrite(id, run, batches, [new EpochRecord(0, 2, null), new EpochRecord(1, 0.5, null), new EpochRecord(2, finalLoss, null)])]);
    }

    private IRenderedComponent<MudDialogProvider> _dialogs = null!;

    private IRenderedComponent<RunsPage> RenderPage()
    {
        _dialogs = _ctx.Render<MudDialogProvider>();
        return _ctx.Render<RunsPage>();
    }

    private static string[] Names(IRenderedComponent<RunsPage> page) =>
        [.. page.FindAll("[data-testid=run-name]").Select(e => e.GetAttribute("data-run")!)];

    [Fact]
    public void TheTableListsStoredRunsNewestFirstWithTheirColumns()
    {
        var page = RenderPage();
        page.WaitForAssertion(() => Assert.Equal(["adam-run", "polyak-run", "sgd-run"], Names(page)), TimeSpan.FromSeconds(10));
        var sgdRow = page.FindAll("[data-testid=runs-table] tbody tr").Single(r => r.QuerySelector("[data-run=sgd-run]") is not null).TextContent;
        Assert.Contains("quadratic", sgdRow);
        Assert.Contains("lecture", sgdRow);        // its tag
        Assert.Contains("completed", sgdRow);
        Assert.Contains("0.5", sgdRow);            // final loss
        Assert.Contains("2.0 s", sgdRow);          // duration
        Assert.Contains("1-3 of 3", page.Find(".mud-table-pagination").TextContent);
    }

    [Fact]
    public void TheWorkerColumnShowsOnceARunWasTrainedOnAWorker()
    {
        static string[] Headers(IRenderedComponent<RunsPage> page) =>
            [.. page.FindAll("[data-testid=runs-table] thead th").Select(h => h.TextContent.Trim())];
        var page = RenderPage();
        page.WaitForAssertion(() => Assert.Equal(3, Names(page).Length), TimeSpan.FromSeconds(10));
        Assert.DoesNotContain("Worker", Headers(page));         // one process: nothing to tell apart

        var request = new RunRequest { Problem = "quadratic", Optimizer = "sgd", BatchSize = 10, Epochs = 2 };
        var created = DateTimeOffset.Parse("2026-03-04T10:00:00Z");
        _store.Write([new RunWrite("remote-run", new StoredRun("remote-run", "launch-remote", null, request, RunStatus.Completed, null,
            created, created.AddSeconds(1), created.AddSeconds(2), 4, ["w1", "w2", "b"], null, [], null) { Worker = "gpu-box" }, [], [])]);
        var page2 = RenderPage();
        page2.WaitForAssertion(() => Assert.Contains("Worker", Headers(page2)), TimeSpan.FromSeconds(10));
        // The header can render a batch before the rows (seen once in CI): wait for the row too.
        page2.WaitForAssertion(() => Assert.Contains("gpu-box",
            page2.FindAll("[data-testid=runs-table] tbody tr").Single(r => r.QuerySelector("[data-run=remote-run]") is not null).TextContent), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void TheSearchFiltersOnTheServer()
    {
        var page = RenderPage();
        page.WaitForAssertion(() => Assert.Equal(3, Names(page).Length), TimeSpan.FromSeconds(10));
        Act(page, () => page.Find("input[data-testid=search]").Input("POLYAK"));
        page.WaitForAssertion(() => Assert.Equal(["polyak-run"], Names(page)), TimeSpan.FromSeconds(10));
        Act(page, () => page.Find("input[data-testid=search]").Input("lecture"));      // a tag
        page.WaitForAssertion(() => Assert.Equal(["sgd-run"], Names(page)), TimeSpan.FromSeconds(10));
        Act(page, () => page.Find("input[data-testid=search]").Input("nothing like it"));
        page.WaitForAssertion(() => Assert.Contains("No runs match", page.Markup), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task DeleteAsksFirstAndCancelKeepsTheRun()
    {
        var page = RenderPage();
        page.WaitForAssertion(() => Assert.Equal(3, Names(page).Length), TimeSpan.FromSeconds(10));
        Act(page, () => DeleteButtonOf(page, "polyak-run").Click());

        // The dialog opens asynchronously (and slowly on a loaded machine): wait for it, then for its buttons.
        var dialog = _dialogs.WaitForElement(".mud-dialog", TimeSpan.FromSeconds(10));
        Assert.Contains("Delete run polyak-run and all their records?", dialog.TextContent);
        DialogButton("Cancel").Click();
        _dialogs.WaitForAssertion(() => Assert.Empty(_dialogs.FindAll(".mud-dialog")), TimeSpan.FromSeconds(10));
        Assert.True(_store.Contains("polyak-run"));
        Assert.Equal(3, Names(page).Length);

        Act(page, () => DeleteButtonOf(page, "polyak-run").Click());
        _dialogs.WaitForElement(".mud-dialog", TimeSpan.FromSeconds(10));
        DialogButton("Delete").Click();
        page.WaitForAssertion(() => Assert.Equal(["adam-run", "sgd-run"], Names(page)), TimeSpan.FromSeconds(10));
        Assert.False(_store.Contains("polyak-run"));
        page.WaitForAssertion(() => Assert.Contains("Deleted 1 run.", page.Find("[data-testid=runs-messages]").TextContent), TimeSpan.FromSeconds(10));
        await Task.CompletedTask;
    }

    [Fact]
    public void AnEnsembleIsOneRowThatOpensToItsConfigurationsAndIsDeletedAfterAConfirmation()
    {
        var configurations = PolyakCore.Experiments.ExperimentCatalog.Get("1c", new() { Epochs = 3 }).Runs;
        var spec = new EnsembleSpec(3);
        var result = Ensemble.Run(configurations, spec);
        var groups = new EnsembleStore(_store);
        var created = DateTimeOffset.Parse("2026-03-04T10:00:00Z");
        var group = new StoredEnsemble("1c-ens-20260304-100000", "1c", new() { Epochs = 3 }, spec, configurations.Count, "two-well",
            ["polyak-sgd", "sgd"], RunStatus.Completed, null, created, created.AddSeconds(1), result.Seconds, []);
        groups.Insert(group with { Status = RunStatus.Running });
        groups.Finish(group, result, [.. configurations.Select((_, i) => $"c{i}")], null);

        var page = RenderPage();
        page.WaitForAssertion(() => Assert.Equal([group.Id, "adam-run", "polyak-run", "sgd-run"], Names(page)), TimeSpan.FromSeconds(10));
        var row = page.FindAll("[data-testid=runs-table] tbody tr").Single(r => r.QuerySelector($"[data-ensemble='{group.Id}']") is not null);
        Assert.Contains($"ensemble · 3 seeds × {configurations.Count} configurations", row.TextContent);
        Assert.Contains("seeds vary data and order", row.TextContent);
        Assert.Null(row.QuerySelector("[data-testid=edit]"));       // no tags on a group
        Assert.Empty(page.FindAll("[data-testid=ensemble-details]"));     // closed until opened

        Act(page, () => page.FindAll("[data-testid=runs-table] tbody tr").Single(r => r.QuerySelector($"[data-ensemble='{group.Id}']") is not null)
            .QuerySelector("[data-testid=expand]")!.Click());
        page.WaitForAssertion(() =>
        {
            var details = page.Find($"[data-testid=ensemble-details][data-ensemble='{group.Id}'][data-state=ready]");
            var rows = details.QuerySelectorAll("[data-testid=ensemble-table] tbody tr");
            Assert.Equal(configurations.Count, rows.Length);
            Assert.All(rows, r => Assert.Matches(@"\d+/3", r.TextContent));            // well counts and divergences out of 3 seeds
        }, TimeSpan.FromSeconds(10));

        Act(page, () => DeleteButtonOf(page, group.Id).Click());
        var dialog = _dialogs.WaitForElement(".mud-dialog", TimeSpan.FromSeconds(10));
        Assert.Contains($"Delete the ensemble · 3 seeds × {configurations.Count} configurations {group.Id}", dialog.TextContent);
        DialogButton("Delete").Click();
        page.WaitForAssertion(() => Assert.Equal(["adam-run", "polyak-run", "sgd-run"], Names(page)), TimeSpan.FromSeconds(10));
        Assert.Null(groups.Find(group.Id));
        page.WaitForAssertion(() => Assert.Contains("Deleted 1 ensemble.", page.Find("[data-testid=runs-messages]").TextContent), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void TagsAndANoteAreSavedToTheStore()
    {
        var page = RenderPage();
        page.WaitForAssertion(() => Assert.Equal(3, Names(page).Length), TimeSpan.FromSeconds(10));
        ClickUntil(page, () => page.FindAll("[data-testid=runs-table] tbody tr").Single(r => r.QuerySelector("[data-run=adam-run]") is not null)
            .QuerySelector("[data-testid=edit]")!, () => page.FindAll("input[data-testid=new-tag]").Count > 0);
        Act(page, () => page.Find("input[data-testid=new-tag]").Input("week 3"));
        Act(page, () => page.Find("[data-testid=add-tag]").Click());
        Act(page, () => page.Find("textarea[data-testid=note]").Input("shown in the lecture"));
        Act(page, () => page.Find("[data-testid=save-annotations]").Click());

        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=annotations]")), TimeSpan.FromSeconds(10));
        var row = _store.Query(new RunQuery("adam-run")).Rows.Single();
        Assert.Equal(["week 3"], row.Tags);
        Assert.Equal("shown in the lecture", row.Note);
        page.WaitForAssertion(() => Assert.Contains("week 3", page.FindAll("[data-testid=runs-table] tbody tr")[0].TextContent), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void ImportTakesAnExportedRunAndNamesWhatIsWrongWithABadFile()
    {
        var page = RenderPage();
        page.WaitForAssertion(() => Assert.Equal(3, Names(page).Length), TimeSpan.FromSeconds(10));
        var upload = page.FindComponent<Microsoft.AspNetCore.Components.Forms.InputFile>();

        upload.UploadFiles(InputFileContent.CreateFromText("not json", "bad.json"));
        page.WaitForAssertion(() => Assert.Contains("bad.json: not a run export", page.Find("[data-testid=runs-messages]").TextContent), TimeSpan.FromSeconds(10));

        var document = RunDocument.Of(_ctx.Services.GetRequiredService<RunService>().Get("sgd-run")!);
        string text(RunDocument d) => System.Text.Json.JsonSerializer.Serialize(d, PolyakJson.Options);
        upload.UploadFiles(InputFileContent.CreateFromText(text(document with { Version = 9 }), "future.json"));
        page.WaitForAssertion(() => Assert.Contains("future.json: version: Version 9 is not one this server reads", page.Find("[data-testid=runs-messages]").TextContent), TimeSpan.FromSeconds(10));

        upload.UploadFiles(InputFileContent.CreateFromText(text(document with { Run = document.Run! with { Id = "copied-run" } }), "copy.json"));
        page.WaitForAssertion(() => Assert.Contains("Imported copied-run.", page.Find("[data-testid=runs-messages]").TextContent), TimeSpan.FromSeconds(10));
        page.WaitForAssertion(() => Assert.Contains("copied-run", Names(page)), TimeSpan.FromSeconds(10));
        Assert.Equal((4, 3), _store.CountRecords("copied-run"));
    }

    [Fact]
    public void CompareDrawsEachRunAndRereadsARunStillTraining()
    {
        var registry = _ctx.Services.GetRequiredService<RunRegistry>();
        var request = new RunRequest { Problem = "quadratic", Optimizer = "sgd", BatchSize = 10, Epochs = 10 };
        var live = new LiveRun("live-run", request, 40, ["w1", "w2", "b"]);
        registry.Add(live);
        live.MarkRunning();
        live.OnEpoch(new EpochRecord(0, 3, null) { ValLoss = 4 });
        for (int s = 1; s <= 4; s++) live.OnBatch(new BatchRecord(s, 1, 1.0 / s, 0.1, 1, 0.1, 1, null) { Seconds = 0.1 * s });
        live.OnEpoch(new EpochRecord(1, 0.5, null) { ValLoss = 0.75 });
        var module = _ctx.JSInterop.SetupModule("./Components/Charts/LiveChart.razor.js");
        module.Mode = JSRuntimeMode.Loose;

        var compare = _ctx.Render<PolyakDashboard.Components.Runs.RunCompare>(p => p.Add(c => c.RunIds, ["sgd-run", "live-run"]));
        compare.WaitForAssertion(() => Assert.Equal("ready", compare.Find("[data-testid=compare]").GetAttribute("data-state")), TimeSpan.FromSeconds(10));
        Assert.Equal("1", compare.Find("[data-testid=compare]").GetAttribute("data-live"));
        var calls = module.Invocations["setSeries"];
        Assert.Equal(3, calls.Count);                                   // loss, step size, epoch loss
        string Ids(JSRuntimeInvocation call) => string.Join(",", ((System.Collections.IEnumerable)call.Arguments[1]!).Cast<object>()
            .Select(o => o.GetType().GetProperty("id")!.GetValue(o) + (true.Equals(o.GetType().GetProperty("dashed")!.GetValue(o)) ? "(dashed)" : "")));
        Assert.Equal("sgd-run,live-run", Ids(calls[0]));
        Assert.Equal("sgd-run,live-run,live-run:val(dashed)", Ids(calls[2]));     // the validation loss, dashed

        // It keeps training: the charts are read again (every 2 s) while it runs, and no longer once it ended.
        for (int s = 5; s <= 8; s++) live.OnBatch(new BatchRecord(s, 2, 1.0 / s, 0.1, 1, 0.1, 1, null) { Seconds = 0.1 * s });
        compare.WaitForAssertion(() => Assert.True(module.Invocations["setSeries"].Count >= 6), TimeSpan.FromSeconds(10));
        live.Finish(new RunSummary { Status = RunStatus.Completed, Request = request });
        compare.WaitForAssertion(() =>
        {
            var element = compare.Find("[data-testid=compare]");
            Assert.Equal(("0", "ready"), (element.GetAttribute("data-live"), element.GetAttribute("data-state")));     // read and drawn
        }, TimeSpan.FromSeconds(10));
        int after = module.Invocations["setSeries"].Count;
        Thread.Sleep(2500);
        Assert.Equal(after, module.Invocations["setSeries"].Count);
    }

    private AngleSharp.Dom.IElement DialogButton(string text)
    {
        AngleSharp.Dom.IElement? button = null;
        _dialogs.WaitForAssertion(() => button = _dialogs.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == text), TimeSpan.FromSeconds(10));
        return button!;
    }

    /// <summary>Finds an element and uses it in one step on the renderer's thread. The table re-renders as its server
    /// data loads; found and used separately, an element from the render before has lost its handler ("no event handler
    /// with ID"), which bUnit reports at the next wait (it failed CI once).</summary>
    private static void Act(IRenderedComponent<RunsPage> page, Action action) => page.InvokeAsync(action).GetAwaiter().GetResult();

    /// <summary>Clicks (as <see cref="Act"/>) and waits until <paramref name="took"/> holds.</summary>
    private static void ClickUntil(IRenderedComponent<RunsPage> page, Func<AngleSharp.Dom.IElement> button, Func<bool> took)
    {
        Act(page, () => button().Click());
        page.WaitForState(took, TimeSpan.FromSeconds(10));
    }

    private static AngleSharp.Dom.IElement DeleteButtonOf(IRenderedComponent<RunsPage> page, string id) =>
        page.FindAll("[data-testid=runs-table] tbody tr").Single(r => r.QuerySelector($"[data-run='{id}']") is not null)
            .QuerySelector("[data-testid=delete]")!;

    public async Task DisposeAsync()
    {
        await _ctx.DisposeAsync();
        _store.Dispose();
        StoreTestKit.DeleteFolder(_folder);
    }
}
