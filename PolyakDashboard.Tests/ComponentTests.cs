using PolyakDashboard.Experiments;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using PolyakDashboard.Components.Charts;
using PolyakDashboard.Components.Experiments;
using PolyakDashboard.ChildSpeech;
using PolyakDashboard.Explorer;
using PolyakDashboard.Runs;
using PolyakDashboard.Security;

namespace PolyakDashboard.Tests;

public class ComponentTests
{
    internal static BunitContext NewContext(RunRegistry? registry = null, bool presenter = true, string? ladderPath = null)
    {
        var ctx = new BunitContext();
        ctx.AddViewerServices(presenter);
        ctx.Services.AddMudServices();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        var options = Options.Create(new RunOptions { MaxQueueLength = 10 });
        registry ??= new RunRegistry(options);
        var text = TextLibraries.InFolder(Path.Combine(Path.GetTempPath(), "polyak-components"));
        var queue = new RunQueue(options, NullLogger<RunQueue>.Instance);   // not started: runs stay queued
        ctx.Services.AddSingleton(registry);
        ctx.Services.AddSingleton(queue);
        ctx.Services.AddSingleton(text);
        var ladder = new PolyakLadderService(ladderPath ?? Path.Combine(Path.GetTempPath(), "polyak-components", "no-ladder.json"));
        ctx.Services.AddSingleton(ladder);
        ctx.Services.AddSingleton(new ChildSpeechLessonService(text, ladder, Path.Combine(Path.GetTempPath(), "polyak-components", "no-reproduction")));
        ctx.Services.AddSingleton(new RunService(registry, queue, options, text));
        ctx.Services.AddScoped<TrainingHubClient>();
        ctx.Services.AddSingleton(TimeProvider.System);
        return ctx;
    }

    [Fact]
    public async Task TheExperimentPageStatesTheFindingsComputedOverSeeds()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<ExperimentView>(p => p.Add(c => c.ExperimentId, "1c"));
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-finding]")), TimeSpan.FromSeconds(30));
        var expected = await ctx.Services.GetRequiredService<FindingsService>().GetAsync("1c");
        var items = cut.FindAll("[data-finding]");
        Assert.Equal(expected.Findings.Select(f => f.Id), items.Select(i => i.GetAttribute("data-finding")));
        Assert.Equal(expected.Findings.Select(f => f.Text), items.Select(i => i.TextContent.Trim()));
        Assert.Contains($"of {FindingsService.Seeds} seeds", items[0].TextContent);   // counts out of the ensemble, e.g. "20, 17, 17, 20 of 20 seeds"
    }

    [Fact]
    public async Task LiveChartInitialisesItsModuleWithItsOptionsAndSendsSeries()
    {
        await using var ctx = NewContext();
        var module = ctx.JSInterop.SetupModule("./Components/Charts/LiveChart.razor.js");
        var cut = ctx.Render<LiveChart>(p => p.Add(c => c.Title, "Mini-batch loss").Add(c => c.LogY, true).Add(c => c.ReferenceValue, 0.5));

        Assert.Contains("Mini-batch loss", cut.Markup);
        Assert.NotNull(cut.Find("[aria-label='Download CSV']"));
        Assert.NotNull(cut.Find("[aria-label='Download PNG']"));
        var init = module.VerifyInvoke("init");
        Assert.Equal(cut.Instance.ElementId, init.Arguments[0]);
        Assert.Contains("LogY = True", init.Arguments[1]!.ToString());
        Assert.Contains("ReferenceValue = 0.5", init.Arguments[1]!.ToString());

        await cut.InvokeAsync(() => cut.Instance.SetSeriesAsync([new ChartSeries("a", "polyak-sgd", [1, 2], [0.5, double.NaN])]).AsTask());
        var set = module.VerifyInvoke("setSeries");
        Assert.Equal(cut.Instance.ElementId, set.Arguments[0]);
    }

    [Fact]
    public async Task ExperimentFormShowsTheValidationMessageNextToTheField()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<ExperimentView>(p => p.Add(c => c.ExperimentId, "1c"));

        cut.Find("input[data-testid=epochs]").Input("0");     // the form's fields update as you type
        cut.Find("input[data-testid=lr]").Input("-1");
        cut.Find("button[data-testid=run]").Click();

        // The click's handler may finish after the findings panel's own render (it loads on a thread of its own).
        cut.WaitForAssertion(() =>
        {
            Assert.Contains("Epochs must be between 1 and", cut.Markup);
            Assert.Contains("Must be positive; got -1.", cut.Markup);
        }, TimeSpan.FromSeconds(10));
        Assert.Empty(ctx.Services.GetRequiredService<RunService>().List());
    }

    [Fact]
    public async Task ExperimentFormStartsTheGridWithTheEditedSettings()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<ExperimentView>(p => p.Add(c => c.ExperimentId, "1c"));

        cut.Find("input[data-testid=epochs]").Input("7");
        cut.Find("input[data-testid=lr]").Input("0.04");
        cut.Find("button[data-testid=run]").Click();

        var runs = ctx.Services.GetRequiredService<RunService>().List();
        Assert.Equal(8, runs.Count);
        Assert.All(runs, r => Assert.Equal(7, r.Request.Epochs));
        Assert.All(runs.Where(r => r.Request.Optimizer == "sgd"), r => Assert.Equal(0.04, r.Request.OptimizerOptions.Lr));
        cut.WaitForAssertion(() => Assert.Contains("8 queued", cut.Find("[data-testid=status]").TextContent));
        // One panel (no PanelOf given) of three charts, each fed every run over the hub.
        Assert.Equal(3, cut.FindAll("[data-testid=live-chart]").Count);
        cut.WaitForAssertion(() => Assert.Equal(24, ctx.JSInterop.Invocations["bind"].Count));
        Assert.Equal(runs.Select(r => r.Id).Order(), ctx.JSInterop.Invocations["bind"].Select(i => (string)i.Arguments[2]!).Distinct().Order());
    }
}

public class ChildSpeechComponentTests
{
    private static BunitContext NewContext() => ComponentTests.NewContext();

    [Fact]
    public async Task BadSettingsStartNothingAndSayWhy()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<PolyakDashboard.Components.ChildSpeech.ChildSpeechView>();
        cut.Find("input[data-testid=epochs]").Input("0");
        cut.Find("button[data-testid=run]").Click();
        Assert.Contains("Epochs: Epochs must be between 1 and", cut.Find("[data-testid=settings-errors]").TextContent);
        Assert.Empty(ctx.Services.GetRequiredService<RunService>().List());
    }

    [Fact]
    public async Task TrainAndCompareQueuesOneRunPerOptimizerAndBindsTrainAndValidationCurves()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<PolyakDashboard.Components.ChildSpeech.ChildSpeechView>();
        cut.Find("input[data-testid=epochs]").Input("3");
        cut.Find("button[data-testid=run]").Click();
        var runs = ctx.Services.GetRequiredService<RunService>().List();
        Assert.Equal(["sgd", "adam", "polyak-sgd"], runs.Select(r => r.Request.Optimizer));
        Assert.All(runs, r => Assert.Equal(("child-speech", 3, "tiny"), (r.Request.Problem, r.Request.Epochs, r.Request.ProblemOptions.Text!.Preset)));
        Assert.Equal(136 * 3, runs[0].TotalSteps);       // 279,746 training characters / (16 · 128) = 136 iterations an epoch (the report's batch)
        // Per run: train and validation per epoch, mini-batch loss and step size per step.
        cut.WaitForAssertion(() => Assert.Equal(12, ctx.JSInterop.Invocations["bind"].Count));
        Assert.Equal(3, ctx.JSInterop.Invocations["bind"].Count(i => (string)i.Arguments[3]! == "valLoss"));
    }

    /// <summary>Before a launch the page says what its defaults are and, from the shipped measurements, how long they took.</summary>
    [Fact]
    public async Task TheStartHintNamesTheDefaultsAndTheMeasuredMinutes()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<PolyakDashboard.Components.ChildSpeech.ChildSpeechView>();
        static string Text(AngleSharp.Dom.IElement e) => System.Text.RegularExpressions.Regex.Replace(e.TextContent, @"\s+", " ");
        string hint = Text(cut.Find("[data-testid=start-hint]"));
        Assert.Contains("The defaults are the report's settings for 100 epochs", hint);
        Assert.Contains("A quick look trains 10 epochs", hint);
        Assert.DoesNotContain("minutes each", hint);                  // no measurements in this context

        await using var measured = NewContext();
        var folder = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../PolyakDashboard", ChildSpeechLessonService.ReproductionPath));
        string components = Path.Combine(Path.GetTempPath(), "polyak-components");
        measured.Services.AddSingleton(new ChildSpeechLessonService(TextLibraries.InFolder(components),
            new PolyakLadderService(Path.Combine(components, "no-ladder.json")), folder));
        var shippedRuns = Directory.EnumerateDirectories(folder).Select(PolyakCore.Export.RunFolderContent.Read).ToList();
        var seconds = shippedRuns.Select(r => r.Summary.Seconds).ToList();
        string expected = FormattableString.Invariant($"the measured runs took {seconds.Min() / 60:F0}–{seconds.Max() / 60:F0} minutes each");
        var view = measured.Render<PolyakDashboard.Components.ChildSpeech.ChildSpeechView>();
        Assert.Contains(expected, Text(view.Find("[data-testid=start-hint]")));
        // The shipped runs have several seeds: Polyak SGD's first phase, one sentence per run, is folded under the lesson.
        int polyakRuns = shippedRuns.Count(r => r.Summary.Request.Optimizer == PolyakCore.Optimization.OptimizerCatalog.PolyakSgd);
        var fold = view.Find("[data-testid=lesson-per-seed]");
        Assert.Equal(polyakRuns, fold.QuerySelectorAll("li").Length);
        Assert.Contains($"seed by seed ({polyakRuns} runs)", Text(fold.QuerySelector("summary")!));
        Assert.DoesNotContain(view.Find("[data-testid=lesson]").Children, li => li.TextContent.StartsWith("With seed", StringComparison.Ordinal));
        Assert.Empty(view.FindAll("[data-testid=first-phase]"));      // no short runs given to this service
    }

    /// <summary>The shipped short Polyak SGD runs (batch, dropout, model size): their sentence and one line per run, from their files.</summary>
    [Fact]
    public async Task TheShortPolyakRunsAreStatedFromTheirFiles()
    {
        await using var ctx = NewContext();
        string root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../PolyakDashboard"));
        string components = Path.Combine(Path.GetTempPath(), "polyak-components");
        var ladder = new PolyakLadderService(Path.Combine(root, "measurements", "polyak-ladder.json"));
        string probes = Path.Combine(root, ChildSpeechLessonService.FirstPhasePath);
        string reproduction = Path.Combine(root, ChildSpeechLessonService.ReproductionPath);
        ctx.Services.AddSingleton(new ChildSpeechLessonService(TextLibraries.InFolder(components), ladder, reproduction, firstPhaseFolder: probes));
        static List<PolyakCore.Export.RunFolderContent> Read(string folder) =>
            [.. Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal).Select(PolyakCore.Export.RunFolderContent.Read)];
        var runs = Read(probes);
        Assert.True(runs.Count >= 8, $"{runs.Count} shipped short runs");
        var expected = PolyakCore.Experiments.ChildSpeechFirstPhase.Describe(runs, ladder.Ladder!.UnigramLoss, PolyakCore.Experiments.ReportChildSpeech.SgdLr, Read(reproduction))!;
        Assert.Contains("Constant SGD at that rate, in the reproduction's", expected.Sentence);   // set beside the shipped reproduction's SGD runs
        var view = ctx.Render<PolyakDashboard.Components.ChildSpeech.ChildSpeechView>();
        Assert.Equal(expected.Sentence, view.Find("[data-testid=first-phase]").TextContent);
        Assert.Equal(expected.Runs, view.FindAll("[data-testid=first-phase-runs] li").Select(li => li.TextContent));
        Assert.Contains($"{runs.Count} short runs of Polyak SGD", expected.Sentence);
    }

    [Fact]
    public async Task CorpusShapeMovesTheFloorAndGoesIntoTheRequests()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<PolyakDashboard.Components.ChildSpeech.ChildSpeechView>();
        string Floor() => cut.Find("[data-testid=entropy-floor]").TextContent;
        Assert.Equal(PolyakCore.Text.ChildSpeechCorpus.EntropyFloor().ToString("F4"), Floor());
        cut.Find("input[data-testid=zipf]").Input("1");
        cut.Find("input[data-testid=per-line-1]").Input("4");
        cut.Find("input[data-testid=per-line-2]").Input("3");
        cut.Find("input[data-testid=per-line-3]").Input("2");
        cut.Find("input[data-testid=per-line-4]").Input("1");
        var generator = new PolyakCore.Text.ChildSpeechGenerator { Zipf = 1, PhrasesPerLine = [4, 3, 2, 1] };
        cut.WaitForAssertion(() => Assert.Equal(PolyakCore.Text.GeneratorEntropy.Floor(generator).ToString("F4"), Floor()));
        Assert.Contains("today's corpus", cut.Find("[data-testid=corpus-yardsticks]").TextContent);
        cut.Find("input[data-testid=epochs]").Input("1");
        cut.Find("button[data-testid=run]").Click();
        var runs = ctx.Services.GetRequiredService<RunService>().List();
        Assert.Equal(3, runs.Count);
        Assert.All(runs, r => Assert.Equal(generator.Key(), r.Request.ProblemOptions.Text!.Generator!.Key()));
        // An ambiguous phrase list too large to sum exactly says so instead of showing a floor.
        cut.Find("input[data-testid=per-line-1]").Input("0");
        cut.Find("textarea[data-testid=phrases]").Change(string.Join("\n", Enumerable.Range(0, 300).Select(i => $"w{i}").Append("w1 w2")));
        cut.WaitForAssertion(() => Assert.Contains("two different phrase sequences", cut.Find("[data-testid=floor-problem]").TextContent));
    }

    [Fact]
    public async Task ThePolyakLadderFindingIsRenderedFromTheShippedMeasurement()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ladder-{Guid.NewGuid():N}.json");
        var ladder = new PolyakCore.Training.PolyakLadder("test CPU", DateTimeOffset.UnixEpoch, 0, "child-speech", 44, 3.1,
        [
            new("tiny", 96, 4, 3, 128, 0, 356_492, 16, 0.2, [new(1, 3.8, 19, 0.2), new(2, 3.7, 10, 0.37)]),
            new("report", 384, 6, 6, 256, 0.2, 10_779_692, 16, 9.4, [new(1, 3.85, 152, 0.025), new(2, 3.8, 100, 0.038)]),
        ]);
        File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(ladder, PolyakDashboard.Cli.LadderCommand.Json));
        try
        {
            await using var ctx = ComponentTests.NewContext(ladderPath: path);
            var cut = ctx.Render<PolyakDashboard.Components.ChildSpeech.PolyakLadderPanel>();
            var items = cut.FindAll("[data-testid=ladder-finding] li").Select(li => li.TextContent.Trim()).ToArray();
            var finding = PolyakCore.Training.PolyakLadderFinding.Describe(ladder);
            Assert.Equal(finding[0], cut.Find("[data-testid=ladder-headline]").TextContent.Trim());
            Assert.Equal(finding.Skip(1), items);
            Assert.Contains("from 0.285 to 0.0315", string.Join(" ", items));      // medians of the two steps of each rung
            Assert.Equal(2, cut.FindAll("img[src^='data:image/svg+xml;base64,']").Count);   // light and dark
        }
        finally { File.Delete(path); }
        await using var empty = ComponentTests.NewContext();
        Assert.Contains("No measurement", empty.Render<PolyakDashboard.Components.ChildSpeech.PolyakLadderPanel>().Markup);
    }

    [Fact]
    public async Task UploadingACorpusKeepsOneProgressTickerAndLeavingThePageStopsIt()
    {
        await using var ctx = NewContext();
        var time = new CountingTimeProvider();
        ctx.Services.AddSingleton<TimeProvider>(time);
        var cut = ctx.Render<PolyakDashboard.Components.ChildSpeech.ChildSpeechView>();
        int others = time.Live;                                 // MudBlazor's popover service ticks too
        cut.Find("input[data-testid=epochs]").Input("3");
        cut.Find("button[data-testid=run]").Click();           // queued runs count as training: the progress ticks
        cut.WaitForAssertion(() => Assert.Equal(others + 1, time.Live), RoleComponentTests.Wait);

        var name = "kids-" + Guid.NewGuid().ToString("N");
        cut.FindComponent<Microsoft.AspNetCore.Components.Forms.InputFile>()
            .UploadFiles(InputFileContent.CreateFromText(string.Concat(Enumerable.Repeat("mummy up\nmore juice please\n", 10)), name + ".txt"));
        cut.WaitForAssertion(() => Assert.Contains($"Added '{name}'", cut.Find("[data-testid=upload-message]").TextContent), RoleComponentTests.Wait);
        Assert.Equal(others + 1, time.Live);

        await ctx.DisposeComponentsAsync();                    // leaving the page: nothing of it may keep ticking
        cut.WaitForAssertion(() => Assert.Equal(others, time.Live), RoleComponentTests.Wait);
    }

    /// <summary>The system's time, counting the periodic timers made through it that are not disposed yet (the page's
    /// progress ticker; MudBlazor's one-shot debounce timers come through here too and are not counted).</summary>
    private sealed class CountingTimeProvider : TimeProvider
    {
        private int _live;
        public int Live => Volatile.Read(ref _live);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = System.CreateTimer(callback, state, dueTime, period);
            if (period <= TimeSpan.Zero || period == Timeout.InfiniteTimeSpan) return timer;
            Interlocked.Increment(ref _live);
            return new Counted(timer, this);
        }

        private sealed class Counted(ITimer inner, CountingTimeProvider owner) : ITimer
        {
            private int _disposed;
            public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(dueTime, period);
            public void Dispose()
            {
                if (Interlocked.Exchange(ref _disposed, 1) == 0) Interlocked.Decrement(ref owner._live);
                inner.Dispose();
            }
            public ValueTask DisposeAsync() { Dispose(); return ValueTask.CompletedTask; }
        }
    }

    [Fact]
    public async Task TuningTableMarksTheBestOfEachFinishedGrid()
    {
        await using var ctx = NewContext();
        LiveRun Run(string optimizer, double lr, double bestVal, string label)
        {
            var run = new LiveRun(Guid.NewGuid().ToString("N"), new PolyakCore.Training.RunRequest
            {
                Problem = "child-speech", Optimizer = optimizer, OptimizerOptions = new() { Lr = lr }, Label = label,
            }, 10, []);
            run.OnEpoch(new PolyakCore.Training.EpochRecord(0, 3.8, null) { ValLoss = 3.8 });
            run.OnEpoch(new PolyakCore.Training.EpochRecord(1, bestVal - 0.01, null) { ValLoss = bestVal });
            run.MarkRunning();
            run.Finish(new PolyakCore.Training.RunSummary { Status = PolyakCore.Training.RunStatus.Completed });
            return run;
        }
        var runs = new[] { Run("sgd", 0.01, 2.1, "sgd lr 0.01"), Run("sgd", 0.5, 1.2, "sgd lr 0.5"), Run("sgd", 0.1, 1.7, "sgd lr 0.1") };
        var cut = ctx.Render<PolyakDashboard.Components.ChildSpeech.TuningTable>(p => p.Add(c => c.Runs, runs));
        var winner = Assert.Single(cut.FindAll("tr.tuning-winner"));
        Assert.Contains("sgd lr 0.5", winner.TextContent);
        Assert.Contains("1.200", winner.TextContent);
    }
}

public class ExplorerComponentTests
{
    [Fact]
    public async Task BadBatchSizeShowsItsMessageNextToTheControl()
    {
        await using var ctx = new BunitContext();
        ctx.AddViewerServices(presenter: false);
        ctx.Services.AddMudServices();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        var cut = ctx.Render<PolyakDashboard.Components.Pages.Explorer>();
        Assert.Equal(6, cut.FindAll("[data-testid=lanes] tr").Count);

        cut.Find("input[data-testid=batch]").Change("0");
        Assert.Contains("Batch size must be at least 1", cut.Markup);
        // A bad setting is not written into the shareable URL; a good one is.
        var navigation = ctx.Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();
        Assert.DoesNotContain("batch=0", navigation.Uri);
        cut.Find("input[data-testid=batch]").Change("5");
        Assert.Contains("batch=5", navigation.Uri);
    }
}

/// <summary>The services pages take from the security layer: the circuit's role (bUnit's fake authentication),
/// the presenter's whereabouts, the viewers' limits.</summary>
internal static class ViewerServices
{
    public static PresenterPresence AddViewerServices(this BunitContext ctx, bool presenter, ViewerLimitOptions? limits = null)
    {
        var auth = ctx.AddAuthorization();
        if (presenter) auth.SetAuthorized("lecturer").SetRoles(Presenter.Role);
        var presence = new PresenterPresence();
        ctx.Services.AddSingleton(Options.Create(limits ?? new ViewerLimitOptions()));
        ctx.Services.AddScoped<ViewerSession>();
        ctx.Services.AddScoped<CircuitConnection>();
        ctx.Services.AddSingleton(presence);
        ctx.Services.AddSingleton<HeavyComputationGate>();
        ctx.Services.AddSingleton<PolyakDashboard.Lecture.Audience>();
        ctx.Services.AddSingleton<PolyakDashboard.Lecture.RoomAddresses>();
        ctx.Services.AddSingleton<RaceCache>();
        ctx.Services.AddSingleton<EscapeMapCache>();
        ctx.Services.AddScoped<ExplorerComputations>();
        ctx.Services.AddSingleton(new FindingsService(NullLogger<FindingsService>.Instance));
        ctx.Services.AddSingleton<EnsembleService>();
        return presence;
    }
}

public class RoleComponentTests
{
    internal static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);   // the whole suite shares two cores

    private static (BunitContext Ctx, RunService Runs, PresenterPresence Presence) NewContext(bool presenter, ViewerLimitOptions? limits = null)
    {
        var ctx = new BunitContext();
        var presence = ctx.AddViewerServices(presenter, limits);
        ctx.Services.AddMudServices();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        var options = Options.Create(new RunOptions { MaxQueueLength = 20 });
        var registry = new RunRegistry(options);
        var queue = new RunQueue(options, NullLogger<RunQueue>.Instance);   // not started: runs stay queued
        var text = TextLibraries.InFolder(Path.Combine(Path.GetTempPath(), "polyak-components"));
        var runs = new RunService(registry, queue, options, text);
        ctx.Services.AddSingleton(text);
        ctx.Services.AddSingleton(registry);
        ctx.Services.AddSingleton(queue);
        ctx.Services.AddSingleton(runs);
        ctx.Services.AddScoped<TrainingHubClient>();
        ctx.Services.AddSingleton(TimeProvider.System);
        return (ctx, runs, presence);
    }

    [Fact]
    public async Task AViewerSeesRunAndStopDisabledAndCannotStartAnything()
    {
        var (ctx, runs, _) = NewContext(presenter: false);
        await using var _ctx = ctx;
        var cut = ctx.Render<ExperimentView>(p => p.Add(c => c.ExperimentId, "1c"));

        Assert.True(cut.Find("button[data-testid=run]").HasAttribute("disabled"));
        Assert.True(cut.Find("button[data-testid=stop]").HasAttribute("disabled"));
        Assert.Contains("when the presenter runs this grid", cut.Markup);
        await cut.InvokeAsync(() => cut.Find("button[data-testid=run]").Click());   // a forged click reaches the guard, not the queue
        Assert.Empty(runs.List());
    }

    [Fact]
    public async Task ThePresenterStartsTheGridAndTellsTheFollowersWhichLaunch()
    {
        var (ctx, runs, presence) = NewContext(presenter: true);
        await using var _ctx = ctx;
        var cut = ctx.Render<ExperimentView>(p => p.Add(c => c.ExperimentId, "1c"));
        Assert.False(cut.Find("button[data-testid=run]").HasAttribute("disabled"));
        cut.Find("button[data-testid=run]").Click();

        Assert.Equal(8, runs.List().Count);
        Assert.Equal(runs.List()[0].LaunchId, presence.Current?.LaunchId);
    }

    [Fact]
    public async Task AFollowingViewerSwitchesToThePresentersNewLaunch()
    {
        var (ctx, runs, presence) = NewContext(presenter: false);
        await using var _ctx = ctx;
        var first = runs.StartExperiment("1c", new() { Epochs = 1 });
        var cut = ctx.Render<ExperimentView>(p => p.Add(c => c.ExperimentId, "1c"));
        Assert.Equal(first.Runs[0].LaunchId, cut.Find("[data-testid=status]").GetAttribute("data-launch"));

        var second = runs.StartExperiment("1c", new() { Epochs = 2 });
        presence.Show("/1c", second.Runs[0].LaunchId);
        cut.WaitForAssertion(() => Assert.Equal(second.Runs[0].LaunchId, cut.Find("[data-testid=status]").GetAttribute("data-launch")), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task AViewerPastTheComputationBudgetGetsAClearMessageAndThePresenterDoesNot()
    {
        var limits = new ViewerLimitOptions { ComputationBurst = 2, ComputationsPerSecond = 0.01 };
        foreach (bool presenter in new[] { false, true })
        {
            var (ctx, _, _) = NewContext(presenter, limits);
            await using var _ctx = ctx;
            var cut = ctx.Render<PolyakDashboard.Components.Pages.Explorer>();
            for (int batch = 3; batch <= 5; batch++) cut.Find("input[data-testid=batch]").Change(batch.ToString());
            // The field's change handler may finish after Change returns: wait for the third race's outcome.
            cut.WaitForAssertion(() => Assert.Contains("batch=5", ctx.Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().Uri), RoleComponentTests.Wait);
            if (presenter) cut.WaitForAssertion(() => Assert.Contains("batch 5", cut.Markup), RoleComponentTests.Wait);
            if (presenter) Assert.Empty(cut.FindAll("[data-testid=limit-message]"));
            else cut.WaitForAssertion(() => Assert.Contains("Too many computations", cut.Find("[data-testid=limit-message]").TextContent), RoleComponentTests.Wait);
        }
    }
}

public class HeavyComputationTests
{
    [Fact]
    public async Task AnEscapeMapWhileTheServerIsBusyOrPastTheBudgetSaysSoInsteadOfQueueing()
    {
        await using var ctx = new BunitContext();
        ctx.AddViewerServices(presenter: false, new PolyakDashboard.Security.ViewerLimitOptions { MaxConcurrentHeavyComputations = 1, ComputationBurst = 10, EscapeMapCost = 10, ComputationsPerSecond = 0.01 });
        ctx.Services.AddMudServices();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        var cut = ctx.Render<PolyakDashboard.Components.Pages.Explorer>();

        using (var someoneElse = ctx.Services.GetRequiredService<HeavyComputationGate>().TryEnter())
        {
            Assert.NotNull(someoneElse);
            cut.Find("button[data-testid=escape-map]").Click();
            cut.WaitForAssertion(() => Assert.Contains("server is busy", cut.Find("[data-testid=map-error]").TextContent), RoleComponentTests.Wait);
        }
        // A viewer's budget (10) covers one map (cost 10), not one after two races.
        cut.Find("input[data-testid=batch]").Change("3");
        cut.Find("input[data-testid=batch]").Change("4");
        cut.WaitForAssertion(() => Assert.Contains("batch=4", ctx.Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().Uri), RoleComponentTests.Wait);
        cut.WaitForAssertion(() => Assert.Contains("batch 4", cut.Markup), RoleComponentTests.Wait);
        Assert.Empty(cut.FindAll("[data-testid=limit-message]"));     // the busy map cost nothing: both races ran
        cut.Find("button[data-testid=escape-map]").Click();
        cut.WaitForAssertion(() => Assert.Contains("Too many computations", cut.Find("[data-testid=map-error]").TextContent), RoleComponentTests.Wait);
    }
}
