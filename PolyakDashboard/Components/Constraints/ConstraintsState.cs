using PolyakCore.Demos;
using PolyakCore.Problems;

namespace PolyakDashboard.Components.Constraints;

/// <summary>Settings of question 2a's mini-batch part: <see cref="StochasticLineSearch.Run"/> on the 1a/1b data.</summary>
public sealed record MiniBatchSettings
{
    public const int Points = 1000;   // 1a/1b data sets: batch 1000 is the full data, i.e. a plain line search

    public static IReadOnlyList<string> Problems { get; } = [ProblemCatalog.NoisyLinear, ProblemCatalog.Quadratic];

    public string Problem { get; init; } = ProblemCatalog.NoisyLinear;
    public int BatchSize { get; init; } = 16;
    public int Epochs { get; init; } = 2;
    /// <summary>σ of 1b's label noise (ignored by 1a).</summary>
    public double Noise { get; init; } = 1.0;

    public const int MaxSteps = 300;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Problems.Contains(Problem)) errors.Add($"Unknown problem '{Problem}'.");
        if (BatchSize is < 1 or > Points) errors.Add($"The batch size must be between 1 and {Points:N0} (all the data).");
        if (Epochs is < 1 or > 20) errors.Add("Epochs must be between 1 and 20.");
        // Each step of each method costs ~0.1 ms with its full-data loss: 300 steps keep an update near 100 ms.
        else if (BatchSize >= 1 && Epochs * ((Points + BatchSize - 1) / BatchSize) > MaxSteps)
            errors.Add($"{Epochs} epoch(s) at batch {BatchSize} is {Epochs * ((Points + BatchSize - 1) / BatchSize):N0} steps; " +
                $"this view recomputes as you move a control, so it takes at most {MaxSteps} steps a method: use a larger batch or fewer epochs.");
        if (!double.IsFinite(Noise) || Noise < 0 || Noise > 10) errors.Add("The noise σ must be between 0 and 10.");
        return errors;
    }
}

/// <summary>What tab 2a shows; kept by the page so that it survives a switch to another tab.</summary>
/// <param name="MiniBatchOn">Show the mini-batch comparison instead of the 2-D function.</param>
public sealed record LineSearchTabState(LineSearchSettings Settings, MiniBatchSettings MiniBatch, bool MiniBatchOn = false)
{
    public static LineSearchTabState Default { get; } = new(new LineSearchSettings(), new MiniBatchSettings());
}
