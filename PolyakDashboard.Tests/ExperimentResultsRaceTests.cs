using Bunit;
using Microsoft.Extensions.DependencyInjection;
using PolyakCore.Experiments;
using PolyakCore.Training;
using PolyakDashboard.Components.Experiments;
using PolyakDashboard.Runs;

namespace PolyakDashboard.Tests;

/// <summary>Issue 18: /1c in presentation mode was seen with the sgd line missing from a chart. Cause: Run pressed while the
/// page was still drawing the previous launch's results (θ[1] per iteration, one panel after another) threw in the
/// colour look-up, which ended the circuit: the new launch's charts kept only the series bound by then.</summary>
public class ExperimentResultsRaceTests
{
    [Fact]
    public async Task RunPressedWhileThePreviousLaunchsResultsAreDrawnBindsTheNewLaunchAndKeepsThePageAlive()
    {
        await using var ctx = ComponentTests.NewContext();
        var runs = ctx.Services.GetRequiredService<RunService>();
        // A finished launch with θ for its θ[1] charts (the queue is not started: the test finishes the runs itself).
        var earlier = runs.StartExperiment("1c", new ExperimentOverrides { Epochs = 1 });
        Assert.True(earlier.Started);
        foreach (var run in earlier.Runs)
        {
            run.MarkRunning();
            for (int s = 1; s <= 3; s++) run.OnBatch(new BatchRecord(s, 1, 1.0 / s, 0.05, 1, 0.05, 1, [3.0 - s, 3.0 - s]));
            run.Fail("ended by the test");
        }
        // The first panel's θ[1] chart gets its data (non-empty x) and waits there; every other call answers at once.
        var liveChart = ctx.JSInterop.SetupModule("./Components/Charts/LiveChart.razor.js");
        var resultsDrawn = liveChart.SetupVoid("setSeries", i => HasData(i.Arguments[1]));
        var layout = ExperimentLayout.For("1c");
        var cut = ctx.Render<ExperimentView>(p => p
            .Add(c => c.ExperimentId, "1c").Add(c => c.PanelOf, layout.PanelOf).Add(c => c.ShowSecondParameter, true));
        cut.WaitForAssertion(() => Assert.Single(liveChart.Invocations["setSeries"], i => HasData(i.Arguments[1])), TimeSpan.FromSeconds(10));

        cut.Find("button[data-testid=run]").Click();      // a new launch, while the old one's results are half drawn
        var launched = runs.List().Where(r => !earlier.Runs.Contains(r)).Select(r => r.Id).ToHashSet();
        Assert.NotEmpty(launched);
        resultsDrawn.SetVoidResult();

        // The page lives on: the new launch's every run is bound to its charts, and no other panel's results were drawn.
        cut.WaitForAssertion(() => Assert.Equal(launched, ctx.JSInterop.Invocations["bind"].Select(i => (string)i.Arguments[2]!).Where(launched.Contains).ToHashSet()),
            TimeSpan.FromSeconds(10));
        Assert.False(ctx.Renderer.UnhandledException.IsCompleted, ctx.Renderer.UnhandledException.IsCompleted ? ctx.Renderer.UnhandledException.Result.ToString() : "");
        Assert.Single(liveChart.Invocations["setSeries"], i => HasData(i.Arguments[1]));
    }

    /// <summary>Whether a setSeries payload carries points (the results' θ[1]), not the empty series of a live launch.</summary>
    private static bool HasData(object? payload) =>
        payload is System.Collections.IEnumerable items && items.Cast<object>().Any(o => o.GetType().GetProperty("x")?.GetValue(o) is byte[] { Length: > 0 });
}
