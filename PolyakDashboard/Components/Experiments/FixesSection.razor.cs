using Microsoft.AspNetCore.Components;
using PolyakCore.Experiments;
using PolyakCore.Shared;
using PolyakCore.Training;
using PolyakDashboard.Experiments;
using PolyakDashboard.Security;

namespace PolyakDashboard.Components.Experiments;

/// <summary>"Fixes for f*" on 1b and 1e: the published answers to Polyak's unknown f* over many seeds at the noisiest σ —
/// final loss over the floor per optimizer, the step-size and loss bands, a table, and the findings of these seeds.</summary>
public sealed partial class FixesSection
{
    private int _seeds = FindingsService.Seeds, _batch = 64;
    private bool _computing;
    private ExperimentEnsemble? _result;
    private IReadOnlyList<FieldError> _errors = [];
    private IReadOnlyList<EnsemblePanel> _panels = [];
    private IReadOnlyList<FStarFixes.Verdict> _verdicts = [];

    [Inject] private EnsembleService Ensembles { get; set; } = null!;
    [Inject] private ViewerSession Session { get; set; } = null!;
    [Inject] private HeavyComputationGate HeavyGate { get; set; } = null!;
    [Inject] private ILogger<FixesSection> Logger { get; set; } = null!;

    /// <summary>The page's experiment, "1b" or "1e".</summary>
    [Parameter, EditorRequired] public string ExperimentId { get; set; } = "";

    private string FixesId => ExperimentCatalog.FixesOf(ExperimentId) ?? throw new InvalidOperationException($"{ExperimentId} has no fixes view.");

    private bool IsMultiLinear => FixesId == ExperimentCatalog.Fixes1e;

    private string Noise => (ExperimentCatalog.Get(FixesId).Runs[0].ProblemOptions.Noise ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private string? ErrorFor(string field) => _errors.FirstOrDefault(e => e.Field == field)?.Message;

    private static string G(double v) => double.IsPositiveInfinity(v) ? "∞" : double.IsNaN(v) ? "–"
        : Math.Abs(v) >= 1e4 || (Math.Abs(v) < 1e-3 && v != 0) ? v.ToString("0.0e+0") : v.ToString("0.###");

    private async Task ComputeAsync()
    {
        var overrides = IsMultiLinear ? new ExperimentOverrides() : new ExperimentOverrides { BatchSizes = [_batch] };
        var spec = new EnsembleSpec(_seeds);
        _errors = EnsembleService.Validate(FixesId, overrides, spec);
        if (_errors.Count > 0) return;
        using var slot = HeavyGate.TryEnter();
        if (slot is null) { _errors = [new("ensemble", HeavyComputationGate.Busy)]; return; }
        if (Session.TryCompute(Session.EscapeMapCost) is { } denied) { _errors = [new("ensemble", denied)]; return; }
        _computing = true;
        StateHasChanged();
        try
        {
            _result = await Ensembles.RunAsync(FixesId, overrides, spec);
            _verdicts = FStarFixes.Verdicts(_result.Result);
            _panels = EnsembleCharts.Panels(FixesId, _result.Result);
        }
        catch (RunValidationException e)
        {
            _errors = e.Errors;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A failed computation is the section's message, not the end of the page's circuit.
            Logger.LogError(e, "The fixes view of {Experiment} failed", FixesId);
            _errors = [new("ensemble", $"The computation failed ({e.GetType().Name}: {e.Message}); press Run the fixes to try again.")];
        }
        finally
        {
            _computing = false;
        }
    }
}
