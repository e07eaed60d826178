using Microsoft.Extensions.Options;
using PolyakCore.Explorer;
using PolyakCore.Optimization;
using PolyakDashboard.Explorer;
using PolyakDashboard.Security;

namespace PolyakDashboard.Tests;

/// <summary>The explorer's service: races within the viewer's budget, the landscape, and escape maps behind the
/// server's gate, on their own thread, cancellable.</summary>
public sealed class ExplorerComputationsTests : IDisposable
{
    private readonly RaceCache _races = new();
    private readonly EscapeMapCache _maps = new();
    private readonly HeavyComputationGate _gate;
    private readonly ViewerSession _viewer;
    private readonly ExplorerComputations _computations;

    public ExplorerComputationsTests()
    {
        var limits = Options.Create(new ViewerLimitOptions
        {
            ComputationBurst = 10, ComputationsPerSecond = 0.01, EscapeMapCost = 10, MaxConcurrentHeavyComputations = 1,
        });
        _gate = new HeavyComputationGate(limits);
        _viewer = new ViewerSession(limits);
        _computations = new ExplorerComputations(_races, _maps, _viewer, _gate);
    }

    [Fact]
    public void ARaceIsValidatedThenChargedToTheViewer()
    {
        var bad = _computations.Race(new RaceSettings { BatchSize = 0 }, charge: true);
        Assert.Null(bad.Race);
        Assert.Contains(bad.Errors, e => e.Field == "batchSize");
        var settings = new RaceSettings();
        var race = _computations.Race(settings, charge: true);
        Assert.NotNull(race.Race);
        Assert.Empty(race.Errors);
        Assert.Same(race.Race, _computations.Race(settings, charge: false).Race);   // the shared computation
        for (int i = 0; i < 9; i++) Assert.Null(_computations.Race(settings, charge: true).Denied);   // 1 + 9 = the burst
        var denied = _computations.Race(settings, charge: true);
        Assert.Null(denied.Race);
        Assert.Contains("Too many computations", denied.Denied);
        Assert.NotNull(_computations.Race(settings, charge: false).Race);     // following the presenter costs nothing
    }

    [Fact]
    public void TheLandscapeCoversThePlotRangeAndLabelsBothWells()
    {
        var settings = new RaceSettings();
        var view = _computations.Landscape(settings);
        var (x, y) = settings.PlotRange;
        Assert.Equal(ExplorerComputations.LandscapeResolution, view.Grid.Xs.Length);
        Assert.Equal(ExplorerComputations.LandscapeResolution, view.Grid.Ys.Length);
        Assert.Equal(x.Min, view.Grid.Xs[0], 9);
        Assert.Equal(y.Max, view.Grid.Ys[^1], 9);
        Assert.Equal(["local", "global"], view.Minima.Select(m => m.Label.Split(' ')[0]));
        Assert.All(view.Grid.Values, v => Assert.True(double.IsFinite(v)));
    }

    [Fact]
    public async Task AnEscapeMapWaitsForNoOneAndCostsTheViewerItsPrice()
    {
        var settings = new RaceSettings();
        using (var someoneElse = _gate.TryEnter())
        {
            bool started = false;
            var busy = await _computations.EscapeMapAsync(settings, OptimizerCatalog.Sgd, 4, started: () => started = true);
            Assert.Equal(HeavyComputationGate.Busy, busy.Error);
            Assert.False(started);
        }
        var outcome = await _computations.EscapeMapAsync(settings, OptimizerCatalog.Sgd, 4);
        Assert.Null(outcome.Error);
        Assert.Equal(16, outcome.Map!.Wells.Length);
        Assert.All(outcome.Map.Wells, w => Assert.Contains(w, new[] { "local", "global", "elsewhere", "diverged" }));
        var denied = await _computations.EscapeMapAsync(settings, OptimizerCatalog.Sgd, 5);     // the busy try cost nothing; the map did
        Assert.Contains("Too many computations", denied.Error);
    }

    [Fact]
    public async Task ACancelledOrInvalidMapShowsNothingOrSaysWhy()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var outcome = await _computations.EscapeMapAsync(new RaceSettings(), OptimizerCatalog.Sgd, 40, cancel: cancelled.Token);
        Assert.Equal((null, null), (outcome.Map, outcome.Error));

        using var presenterless = new ViewerSession(Options.Create(new ViewerLimitOptions { ComputationBurst = 100, EscapeMapCost = 1 }));
        var computations = new ExplorerComputations(_races, _maps, presenterless, _gate);
        var tooBig = await computations.EscapeMapAsync(new RaceSettings(), OptimizerCatalog.Sgd, 40, seeds: 1000);
        Assert.Null(tooBig.Map);
        Assert.Contains("at most", tooBig.Error);
    }

    [Fact]
    public async Task AMapComputedBeforeComesBackFreeAndAtOnceEvenWhenTheServerIsBusy()
    {
        var settings = new RaceSettings { BatchSize = 25 };
        var first = await _computations.EscapeMapAsync(settings, OptimizerCatalog.Sgd, 4);
        Assert.NotNull(first.Map);
        // A follower opening the presenter's URL: another start and other racers, the same map; the budget is spent
        // (the first map cost the whole burst) and the gate is taken, yet the map is there, without computing.
        using var busy = _gate.TryEnter();
        bool started = false;
        var again = await _computations.EscapeMapAsync(settings with { StartX = -1, Optimizers = [OptimizerCatalog.Adam], Seeds = 3 },
            OptimizerCatalog.Sgd, 4, started: () => started = true);
        Assert.Same(first.Map, again.Map);
        Assert.False(started);
        // Anything the map depends on makes it another map.
        foreach (var other in new[] { settings with { Epochs = 7 }, settings with { Lr = 0.02 }, settings with { DataSeed = 3 } })
            Assert.NotEqual(EscapeMapCache.Key(settings, OptimizerCatalog.Sgd, 4, 1), EscapeMapCache.Key(other, OptimizerCatalog.Sgd, 4, 1));
        Assert.NotEqual(EscapeMapCache.Key(settings, OptimizerCatalog.Sgd, 4, 1), EscapeMapCache.Key(settings, OptimizerCatalog.Adam, 4, 1));
        Assert.NotEqual(EscapeMapCache.Key(settings, OptimizerCatalog.Sgd, 4, 1), EscapeMapCache.Key(settings, OptimizerCatalog.Sgd, 4, 5));
        Assert.Equal(HeavyComputationGate.Busy, (await _computations.EscapeMapAsync(settings, OptimizerCatalog.Sgd, 6)).Error);
    }

    public void Dispose()
    {
        _maps.Dispose();
        _races.Dispose();
        _gate.Dispose();
        _viewer.Dispose();
    }
}
