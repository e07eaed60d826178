using PolyakCore.Problems;
using PolyakCore.Training;

namespace PolyakCore.Experiments;

/// <summary>How an experiment's runs are grouped for showing: panels of curves (each a set of charts), the
/// contour plots with their trajectories, and a run's name inside its panel. The pages and the CLI's
/// figures read the same layout, so a figure file matches what the page draws.</summary>
/// <param name="PanelOf">The panel a run belongs to (its title).</param>
/// <param name="SeriesName">A run's legend name inside its panel.</param>
/// <param name="ContourOf">The contour plot a run's trajectory is drawn on (its title); null: no contours.</param>
/// <param name="ContourAxes">The two parameters a contour shows.</param>
/// <param name="ShowBatchLoss">Whether a panel has the mini-batch loss chart (1b shows epoch loss and step size only).</param>
public sealed record ExperimentLayout(
    Func<RunRequest, string> PanelOf,
    Func<RunRequest, string> SeriesName,
    Func<RunRequest, string>? ContourOf = null,
    (int I, int J) ContourAxes = default,
    bool ShowBatchLoss = true)
{
    public const string AllRuns = "All runs";

    private static string Noise(RunRequest r) => $"σ = {r.ProblemOptions.Noise:0.##}";

    /// <summary>The layout of the experiment whose problem a single run has (1a for quadratic, …).</summary>
    public static ExperimentLayout ForProblem(string problem) => For(ForProblemId(problem));

    /// <summary>The experiment a problem belongs to (quadratic → 1a, …).</summary>
    public static string ForProblemId(string problem) => problem switch
    {
        ProblemCatalog.Quadratic => "1a", ProblemCatalog.NoisyLinear => "1b", ProblemCatalog.TwoWell => "1c",
        ProblemCatalog.MultiLinear => "1e", _ => "1d",
    };

    public static ExperimentLayout For(string experimentId) => experimentId switch
    {
        "1a" => new(_ => AllRuns, r => r.Optimizer, _ => "(w1, w2)", (0, 1)),
        "1b" => new(r => $"{Noise(r)}, batch {r.BatchSize}", r => r.Optimizer, Noise, (0, 1), ShowBatchLoss: false),
        "1c" => new(r => $"batch {r.BatchSize}{(r.BatchSize == 25 ? " (full batch)" : "")}", r => r.Optimizer, _ => "two wells", (0, 1)),
        "1e" => new(r => $"noise {Noise(r)}", r => r.Optimizer),
        ExperimentCatalog.Fixes1b => new(r => $"{Noise(r)}, batch {r.BatchSize}", r => r.Optimizer, Noise, (0, 1), ShowBatchLoss: false),
        ExperimentCatalog.Fixes1e => new(r => $"noise {Noise(r)}", r => r.Optimizer),
        "1d-tune" => new(_ => AllRuns, r => r.Label ?? r.Optimizer),
        _ => new(_ => AllRuns, r => r.Optimizer),
    };
}
