namespace PolyakCore.Optimization.StepRules;

/// <summary>Settings of backtracking line search.</summary>
/// <param name="InitialStep">α₀, the first trial step of every search.</param>
/// <param name="Shrink">β ∈ (0, 1): a rejected trial step is multiplied by β.</param>
/// <param name="C">Sufficient-decrease constant c ∈ (0, 1).</param>
/// <param name="MaxBacktracks">After this many rejections the last (smallest) trial step is taken.</param>
public sealed record ArmijoSettings(double InitialStep = 1.0, double Shrink = 0.5, double C = 1e-4, int MaxBacktracks = 30);

/// <summary>Armijo backtracking line search along −d.</summary>
/// <remarks>Accepts the first α = α₀·βʲ with f(θ − α·d) ≤ f(θ) − c·α·⟨g, d⟩. Nocedal and Wright,
/// "Numerical Optimization", 2nd ed., Algorithm 3.1. Every trial costs one loss evaluation on the same
/// mini-batch, reported in <see cref="StepChoice.Evaluations"/>.</remarks>
public sealed class ArmijoStep : IStepRule
{
    public ArmijoStep(ArmijoSettings? settings = null)
    {
        Settings = settings ?? new ArmijoSettings();
        var s = Settings;
        if (!(s.InitialStep > 0) || double.IsInfinity(s.InitialStep)) throw new ArgumentOutOfRangeException(nameof(settings), s.InitialStep, $"Invalid initial step: {s.InitialStep}");
        if (!(s.Shrink > 0 && s.Shrink < 1)) throw new ArgumentOutOfRangeException(nameof(settings), s.Shrink, $"Invalid shrink factor: {s.Shrink}");
        if (!(s.C > 0 && s.C < 1)) throw new ArgumentOutOfRangeException(nameof(settings), s.C, $"Invalid sufficient-decrease constant: {s.C}");
        if (s.MaxBacktracks < 0) throw new ArgumentOutOfRangeException(nameof(settings), s.MaxBacktracks, $"Invalid max backtracks: {s.MaxBacktracks}");
    }

    public ArmijoSettings Settings { get; }

    public bool NeedsGradDotDirection => true;

    public bool NeedsTrialLoss => true;

    /// <summary>The trial steps of the last search and whether each was accepted (for drawing rejected points).</summary>
    public IReadOnlyList<(double Step, double Loss, bool Accepted)> LastTrials => _trials;

    private readonly List<(double, double, bool)> _trials = [];

    public StepChoice Next(in StepContext context)
    {
        var trialLoss = context.TrialLoss ?? throw new InvalidOperationException("Armijo line search needs a trial-loss evaluator.");
        _trials.Clear();
        double step = Settings.InitialStep;
        double slope = context.GradDotDirection;
        if (!(slope > 0)) return new StepChoice(0.0);       // d is not a descent direction: stay put
        for (int j = 0; ; j++)
        {
            double f = trialLoss(step);
            bool accepted = f <= context.Loss - Settings.C * step * slope;
            _trials.Add((step, f, accepted));
            if (accepted || j >= Settings.MaxBacktracks) return new StepChoice(step, _trials.Count);
            step *= Settings.Shrink;
        }
    }

    public IStepRule Clone() => new ArmijoStep(Settings);
}
