using Microsoft.AspNetCore.Components;
using PolyakCore.Experiments;
using PolyakCore.Shared;
using PolyakCore.Training;
using PolyakDashboard.Components.Charts;
using PolyakDashboard.Experiments;
using PolyakDashboard.Security;

namespace PolyakDashboard.Components.Experiments;

/// <summary>The page's grid over many seeds: medians with 10–90 % bands per panel, the escape (1c) or floor-ratio (1b)
/// chart against the batch size, a table of spreads and counts, and the findings of these seeds.</summary>
public sealed partial class EnsembleSection
{
    private int _seeds = FindingsService.Seeds;
    private SeedVariation _vary = SeedVariation.Both;
    private bool _computing;
    private ExperimentEnsemble? _result;
    private IReadOnlyList<FieldError> _errors = [];
    private IReadOnlyList<EnsemblePanel> _panels = [];
    private IReadOnlyList<BandSeries> _escape = [], _ratios = [];

    [Inject] private EnsembleService Ensembles { get; set; } = null!;
    [Inject] private ViewerSession Session { get; set; } = null!;
    [Inject] private HeavyComputationGate HeavyGate { get; set; } = null!;

    [Parameter, EditorRequired] public string ExperimentId { get; set; } = "";

    /// <summary>The page's current settings, as overrides of the experiment's grid.</summary>
    [Parameter, EditorRequired] public Func<ExperimentOverrides> Overrides { get; set; } = null!;

    private string? ErrorFor(string field) => _errors.FirstOrDefault(e => e.Field == field)?.Message;

    private async Task ComputeAsync()
    {
        var overrides = Overrides();
        var spec = new EnsembleSpec(_seeds, _vary);
        _errors = EnsembleService.Validate(ExperimentId, overrides, spec);
        if (_errors.Count > 0) return;
        using var slot = HeavyGate.TryEnter();                // first, so a busy server costs the viewer nothing
        if (slot is null) { _errors = [new("ensemble", HeavyComputationGate.Busy)]; return; }
        if (Session.TryCompute(Session.EscapeMapCost) is { } denied) { _errors = [new("ensemble", denied)]; return; }
        _computing = true;
        StateHasChanged();
        try
        {
            _result = await Ensembles.RunAsync(ExperimentId, overrides, spec);
            _panels = EnsembleCharts.Panels(ExperimentId, _result.Result);
            _escape = EnsembleCharts.EscapeFractions(_result.Result);
            _ratios = EnsembleCharts.FloorRatios(_result.Result);
        }
        catch (RunValidationException e)
        {
            _errors = e.Errors;
        }
        finally
        {
            _computing = false;
        }
    }
}
