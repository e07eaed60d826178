using Microsoft.AspNetCore.Components;
using PolyakCore.Training;
using PolyakDashboard.History;

namespace PolyakDashboard.Components.Runs;

/// <summary>The selected ensembles side by side (see <see cref="GroupCharts"/>): their configurations' medians with
/// 10–90 % bands per panel of the experiment, colours by optimizer (a second group's in shades of it), with the selected
/// single runs drawn over the bands of their configuration.</summary>
public sealed partial class EnsembleCompare
{
    private IReadOnlyList<LoadedGroup> _groups = [];
    private IReadOnlyList<GroupPanel> _panels = [];
    private IReadOnlyList<string> _notDrawn = [];
    private IReadOnlyList<string> _shownGroups = [], _shownRuns = [];
    private string _state = "loading";
    private int _runs, _generation;

    [Inject] private GroupCharts Charts { get; set; } = null!;

    /// <summary>The groups to compare, in legend order (A, B, …).</summary>
    [Parameter, EditorRequired] public IReadOnlyList<string> GroupIds { get; set; } = [];

    /// <summary>Single runs to draw over the bands of their configuration.</summary>
    [Parameter] public IReadOnlyList<string> RunIds { get; set; } = [];

    protected override async Task OnParametersSetAsync()
    {
        if (GroupIds.SequenceEqual(_shownGroups) && RunIds.SequenceEqual(_shownRuns)) return;
        (_shownGroups, _shownRuns) = ([.. GroupIds], [.. RunIds]);
        int generation = ++_generation;
        _state = "loading";
        var (groupIds, runIds) = (_shownGroups, _shownRuns);
        var (groups, panels, notDrawn) = await Task.Run(() =>
        {
            var loaded = Charts.Load(groupIds);
            var (p, n) = Charts.Build(loaded, runIds);
            return (loaded, p, n);
        });
        if (generation != _generation) return;        // a newer selection overtook this one
        (_groups, _panels, _notDrawn, _runs) = (groups, panels, notDrawn, runIds.Count - notDrawn.Count);
        _state = "ready";
    }

    private static string Vary(SeedVariation vary) => vary switch
    {
        SeedVariation.Order => "mini-batch order",
        SeedVariation.Data => "data draw",
        _ => "data draw and mini-batch order",
    };
}
