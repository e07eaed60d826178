using PolyakCore.Explorer;
using PolyakDashboard.Explorer;

namespace PolyakDashboard.Tests;

public class RaceQueryTests
{
    [Fact]
    public void EveryControlRoundTripsThroughTheUrl()
    {
        var settings = new RaceSettings
        {
            StartX = -2.5, StartY = 4.25, Optimizers = ["adam", "polyak-sgd"], BatchSize = 7, Epochs = 33, Lr = 0.013,
            AdamLr = 0.2, FStar = 0.1, MaxStep = 0.5, C = 0.5, A = 15, B = 8, WellC = 11, Points = 40, DataSeed = 4, Seed = 9,
        };
        var query = RaceQuery.ToQuery(settings);
        var (back, problems) = RaceQuery.FromQuery(query);
        Assert.Empty(problems);
        Assert.Equal(settings with { Optimizers = [] }, back with { Optimizers = [] });
        Assert.Equal(settings.Optimizers, back.Optimizers);
    }

    [Fact]
    public void DefaultsGiveAnEmptyQuery() => Assert.Equal("", RaceQuery.ToQuery(new RaceSettings()));

    [Fact]
    public void BadValuesKeepTheirDefaultsAndAreReported()
    {
        var (settings, problems) = RaceQuery.FromQuery("?x=abc&batch=1.5&opt=adam,nonsense&y=NaN");
        Assert.Equal(new RaceSettings().StartX, settings.StartX);
        Assert.Equal(new RaceSettings().StartY, settings.StartY);
        Assert.Equal(new RaceSettings().BatchSize, settings.BatchSize);
        Assert.Equal(["adam"], settings.Optimizers);
        Assert.Equal(4, problems.Count);
    }

    [Fact]
    public void TheEscapeMapRoundTripsBesideTheRaceSettings()
    {
        var settings = new RaceSettings { StartX = -1.5, BatchSize = 25 };
        var map = new EscapeMapView { Optimizer = "polyak-sgd", Size = 60, Orders = 5, Shown = true };
        var query = RaceQuery.ToQuery(settings, map);
        Assert.Contains("map=1", query);
        var (race, raceProblems) = RaceQuery.FromQuery(query);
        var (back, mapProblems) = EscapeMapQuery.FromQuery(query);
        Assert.Empty(raceProblems);
        Assert.Empty(mapProblems);
        Assert.Equal(settings with { Optimizers = [] }, race with { Optimizers = [] });
        Assert.Equal(map, back);
        Assert.Equal(RaceQuery.ToQuery(settings), RaceQuery.ToQuery(settings, new EscapeMapView()));   // the default map adds nothing
    }

    [Fact]
    public void BadMapValuesKeepTheirDefaultsAndAreReported()
    {
        var (map, problems) = EscapeMapQuery.FromQuery("?map=yes&mapOpt=armijo-sgd&grid=1000&orders=abc");
        Assert.Equal(new EscapeMapView(), map);
        Assert.Equal(4, problems.Count);
    }

    [Fact]
    public void PresetsAreValid()
    {
        foreach (var (name, preset) in RaceQuery.Presets)
            Assert.True(TwoWellRace.Validate(preset).Count == 0, name);
    }
}
