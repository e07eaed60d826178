using PolyakCore.Explorer;
using PolyakCore.Problems;
using PolyakCore.Shared;
using PolyakCore.Training;
using PolyakDashboard.Security;

namespace PolyakDashboard.Explorer;

/// <summary>A race for the explorer: the lanes, or why there are none (bad settings, or the viewer's budget).</summary>
/// <param name="Denied">The viewer's budget ran out (the settings were valid): the message to show.</param>
public sealed record RaceOutcome(RaceResult? Race, IReadOnlyList<FieldError> Errors, string? Denied = null);

/// <summary>The loss surface the explorer draws the race on, and its two minima with their loss.</summary>
public sealed record LandscapeView(LandscapeGrid Grid, IReadOnlyList<(string Label, double X, double Y)> Minima);

/// <summary>An escape map, or why there is none; neither when it was cancelled (the page closed).</summary>
public sealed record EscapeMapOutcome(EscapeMapResult? Map, string? Error);

/// <summary>What the two-well explorer computes for one viewer: races (shared through <see cref="RaceCache"/>), the
/// loss landscape, and escape maps (on a thread of their own, within the server's <see cref="HeavyComputationGate"/>
/// and the viewer's budget).</summary>
/// <remarks>Scoped: one per circuit, charging that circuit's <see cref="ViewerSession"/>. A map computed before (by anyone,
/// e.g. the presenter whose URL a follower opens) comes from <see cref="EscapeMapCache"/>: free, at once.</remarks>
public sealed class ExplorerComputations(RaceCache races, EscapeMapCache maps, ViewerSession session, HeavyComputationGate gate)
{
    /// <summary>Grid points a side of the landscape's contour plot.</summary>
    public const int LandscapeResolution = 120;

    /// <summary>Validates, then races every optimizer from the start (tens of ms; shared by every viewer with the
    /// same settings). <paramref name="charge"/>: the viewer's own change, counted against their budget.</summary>
    public RaceOutcome Race(RaceSettings settings, bool charge)
    {
        var errors = TwoWellRace.Validate(settings);
        if (errors.Count > 0) return new(null, errors);
        if (charge && session.TryCompute() is { } denied) return new(null, [], denied);
        return new(races.Get(settings), []);
    }

    /// <summary>The full-data loss over the settings' plot range, and the two wells' centres labelled with their loss.</summary>
    public LandscapeView Landscape(RaceSettings s)
    {
        var (x, y) = s.PlotRange;
        using var problem = TwoWellProblem.Create(s.Points, s.A, s.B, s.WellC, s.DataSeed);
        var grid = LandscapeGrid.Evaluate(problem, [0, 0], 0, 1, x, y, LandscapeResolution, LandscapeResolution);
        return new(grid, [.. problem.Minima.Select(m => ($"{m.Name} · {problem.FullLoss(m.Theta):0.##}", m.Theta[0], m.Theta[1]))]);
    }

    /// <summary>Which well <paramref name="optimizer"/> reaches from each of size × size starts over the plot range.</summary>
    /// <param name="seeds">Mini-batch orders per start (the map then holds each cell's escape fraction). Default 1.</param>
    /// <param name="started">Called once the map is admitted (server not busy, budget granted), before it runs.</param>
    public async Task<EscapeMapOutcome> EscapeMapAsync(RaceSettings settings, string optimizer, int size, int seeds = 1,
        Action? started = null, CancellationToken cancel = default)
    {
        string key = EscapeMapCache.Key(settings, optimizer, size, seeds);
        if (maps.Find(key) is { } known) return new(known, null);
        using var slot = gate.TryEnter();       // first, so a busy server costs the viewer nothing
        if (slot is null) return new(null, HeavyComputationGate.Busy);
        if (session.TryCompute(session.EscapeMapCost) is { } denied) return new(null, denied);
        started?.Invoke();
        try
        {
            var template = settings.ToRequest(optimizer);
            var (x, y) = settings.PlotRange;
            var map = await RunThread.Start(() => EscapeMap.Compute(template, x, y, size, size, cancel, seeds), "escape map");
            if (cancel.IsCancellationRequested) return new(null, null);     // a cancelled map is partial: neither shown nor kept
            maps.Add(key, map);
            return new(map, null);
        }
        catch (ArgumentException e)
        {
            return new(null, e.Message);
        }
    }
}
