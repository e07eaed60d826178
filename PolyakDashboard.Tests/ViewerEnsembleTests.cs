using Microsoft.Extensions.DependencyInjection;
using PolyakCore.Experiments;
using PolyakCore.Training;
using PolyakDashboard.Storage;

namespace PolyakDashboard.Tests;

/// <summary>A viewer's ensemble: one computation for the room, never stored, cancelled within 1.5 s of its last viewer
/// leaving — timed, so in the collection that runs alone (<see cref="CancelLatencyTests"/>).</summary>
[Collection(CancelLatencyTests.Name)]
public class ViewerEnsembleTests
{
    [Fact]
    public async Task AViewersEnsembleIsSharedNotStoredAndCancelledWhenItsLastViewerLeaves()
    {
        await using var factory = new DashboardFactory();
        var ensembles = factory.Services.GetRequiredService<PolyakDashboard.Experiments.EnsembleService>();
        var store = factory.Services.GetRequiredService<EnsembleStore>();
        var grid = new ExperimentOverrides { BatchSizes = [16] };
        var first = ensembles.Compute("1b", grid, new EnsembleSpec(100));
        var second = ensembles.Compute("1b", grid, new EnsembleSpec(100));
        Assert.Same(first, second);                          // one computation for the room
        Assert.Null(first.Id);
        ensembles.Leave(first);
        await Task.Delay(300);
        Assert.False(first.IsFinished, "one viewer leaving stopped the other's ensemble");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        ensembles.Leave(second);
        await first.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), $"the cancel took {clock.Elapsed.TotalSeconds:0.00} s");
        Assert.Equal(RunStatus.Cancelled, first.Status);
        Assert.Empty(store.List());                          // never stored
        var again = ensembles.Compute("1b", grid, new EnsembleSpec(100));      // a cancelled one is not kept: asked again, computed again
        Assert.NotSame(first, again);
        ensembles.Leave(again);

        // The presenter's is a group from its start: listed running, then completed with its curves.
        var presenters = ensembles.Start("1a", new ExperimentOverrides { Epochs = 20 }, new EnsembleSpec(5));
        Assert.Equal(presenters.Id, Assert.Single(store.List()).Id);
        Assert.Same(presenters, ensembles.Latest("1a"));
        await presenters.Completion;
        Assert.Equal(RunStatus.Completed, store.Find(presenters.Id!)!.Status);
        Assert.NotNull(store.Load(presenters.Id!));
    }
}
