using Microsoft.Extensions.Options;
using PolyakCore.Demos;
using PolyakDashboard.Constraints;
using PolyakDashboard.Security;

namespace PolyakDashboard.Tests;

/// <summary>The constraints page's service: validation named by field, the viewer's budget, results and their time.</summary>
public class ConstraintDemosTests
{
    private static ViewerSession Viewer(int burst = 10) =>
        new(Options.Create(new ViewerLimitOptions { ComputationBurst = burst, ComputationsPerSecond = 0.01 }));

    [Fact]
    public void BadSettingsAreNamedByFieldAndCostNothing()
    {
        using var session = Viewer(burst: 1);
        var demos = new ConstraintDemos(session);
        var outcome = demos.LineSearch(new LineSearchSettings { Iterations = 0, Shrink = 2, X0 = 50 });
        Assert.False(outcome.Ok);
        Assert.Equal(["start", "iterations", "shrink"], outcome.Errors.Select(e => e.Field));
        Assert.Equal("Iterations must be between 1 and 2,000.", outcome.Errors.Single(e => e.Field == "iterations").Message);
        Assert.Equal(["lr"], demos.ChangeOfVariables(new ChangeOfVariablesSettings { Lr = -1 }).Errors.Select(e => e.Field));
        Assert.Equal(["x0", "iterations"], demos.Penalty(new PenaltySettings { X0 = 1e9, Iterations = -1 }).Errors.Select(e => e.Field));
        Assert.True(demos.Penalty(new PenaltySettings()).Ok);     // the one computation of the burst is still there
    }

    [Fact]
    public void AViewerPastTheBudgetIsToldWhyAndNothingRuns()
    {
        using var session = Viewer(burst: 2);
        var demos = new ConstraintDemos(session);
        var first = demos.LineSearch(new LineSearchSettings());
        Assert.True(first.Ok);
        Assert.Equal(3, first.Result.Methods.Count);
        Assert.True(first.Milliseconds > 0);
        Assert.True(demos.ChangeOfVariables(new ChangeOfVariablesSettings()).Ok);
        var denied = demos.Penalty(new PenaltySettings());
        Assert.Null(denied.Result);
        Assert.Equal(ConstraintDemos.BudgetField, Assert.Single(denied.Errors).Field);
        Assert.Contains("Too many computations", denied.Errors[0].Message);
    }

    [Fact]
    public async Task MiniBatchesRunOffTheCallerAndNameTheirFields()
    {
        using var session = Viewer();
        var demos = new ConstraintDemos(session);
        var bad = await demos.MiniBatchAsync(new MiniBatchSettings { BatchSize = 1, Epochs = 20, Noise = -1 });
        Assert.Equal(["steps", "noise"], bad.Errors.Select(e => e.Field));
        Assert.Contains("at most 300 steps", bad.Errors[0].Message);
        var good = await demos.MiniBatchAsync(new MiniBatchSettings { BatchSize = 100, Epochs = 1 });
        Assert.True(good.Ok, string.Join(" ", good.Errors));
        Assert.Equal(StochasticLineSearch.Methods, good.Result.Select(t => t.Method));
        Assert.All(good.Result, t => Assert.Equal(10, t.FullLoss.Length));     // 1000 points, batch 100, one epoch
    }
}
