namespace PolyakCore.Problems;

/// <summary>The named problems and how a request's options build one.</summary>
public static class ProblemCatalog
{
    public const string Quadratic = "quadratic", NoisyLinear = "noisy-linear", TwoWell = "two-well", MultiLinear = "multi-linear",
        ChildSpeech = "child-speech";

    public static IReadOnlyList<string> Names { get; } = [Quadratic, NoisyLinear, TwoWell, MultiLinear, ChildSpeech];

    public static IReadOnlyDictionary<string, string> Descriptions { get; } = new Dictionary<string, string>
    {
        [Quadratic] = "1a: y = 2x² + 1, Linear(2, 1) on [x, x²]",
        [NoisyLinear] = "1b: y = 3x + 1 + σ·N(0, 1), Linear(1, 1)",
        [TwoWell] = "1c: the two-well function, x ∈ R²",
        [MultiLinear] = "1e: y = X·w + b + ε, 5 features, Linear(5, 1)",
        [ChildSpeech] = "1d: a character GPT on the child-speech corpus",
    };

    public static bool IsKnown(string? name) => name is not null && Names.Contains(name);

    public static int DefaultPoints(string name) => name == TwoWell ? TwoWellProblem.DefaultPoints : 1000;

    public static int ParameterCount(string name) => ParameterNames(name).Count;

    /// <summary>θ's entry names, without building the data.</summary>
    public static IReadOnlyList<string> ParameterNames(string name) => name switch
    {
        Quadratic => ["w1", "w2", "b"],
        NoisyLinear => ["w", "b"],
        TwoWell => ["x0", "x1"],
        MultiLinear => ["w1", "w2", "w3", "w4", "w5", "b"],
        ChildSpeech => [],
        _ => throw new ArgumentException($"Unknown problem '{name}'.", nameof(name)),
    };

    /// <summary>Steps a valid run of a small problem takes: epochs × ⌈points / batch⌉.</summary>
    public static int TotalSteps(string name, ProblemOptions o, int batchSize, int epochs)
    {
        int points = o.Points ?? DefaultPoints(name);
        return epochs * ((points + batchSize - 1) / batchSize);
    }

    public static SmallProblem Create(string name, ProblemOptions o)
    {
        int points = o.Points ?? DefaultPoints(name);
        return name switch
        {
            Quadratic => QuadraticProblem.Create(points, o.DataSeed),
            NoisyLinear => NoisyLinearProblem.Create(points, o.Noise ?? 0.0, o.DataSeed),
            MultiLinear => MultiLinearProblem.Create(points, o.Noise ?? 0.1, o.DataSeed),
            TwoWell => TwoWellProblem.Create(points, o.A ?? TwoWellProblem.DefaultA, o.B ?? TwoWellProblem.DefaultB, o.C ?? TwoWellProblem.DefaultC, o.DataSeed),
            ChildSpeech => throw new ArgumentException("child-speech is a character model, not a small problem: TextTrainer runs it.", nameof(name)),
            _ => throw new ArgumentException($"Unknown problem '{name}'. Known: {string.Join(", ", Names)}.", nameof(name)),
        };
    }
}
