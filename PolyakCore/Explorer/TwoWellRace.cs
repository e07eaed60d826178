using System.Diagnostics;
using PolyakCore.Optimization;
using PolyakCore.Problems;
using PolyakCore.Shared;
using PolyakCore.Training;

namespace PolyakCore.Explorer;

/// <summary>Everything the two-well explorer lets a user set (and keeps in the URL).</summary>
public sealed record RaceSettings
{
    public double StartX { get; init; } = 3;
    public double StartY { get; init; } = 3;
    public IReadOnlyList<string> Optimizers { get; init; } = [OptimizerCatalog.Sgd, OptimizerCatalog.PolyakSgd, OptimizerCatalog.SpsMax, OptimizerCatalog.Adam, OptimizerCatalog.PolyakAdam, OptimizerCatalog.PolyakAdamCorrected];
    public int BatchSize { get; init; } = 2;
    public int Epochs { get; init; } = 50;
    public double Lr { get; init; } = 0.05;
    public double AdamLr { get; init; } = 0.1;
    public double FStar { get; init; }
    /// <summary>Polyak cap for every Polyak rule; null keeps each optimizer's default.</summary>
    public double? MaxStep { get; init; }
    public double C { get; init; } = 1.0;
    public double A { get; init; } = TwoWellProblem.DefaultA;
    public double B { get; init; } = TwoWellProblem.DefaultB;
    public double WellC { get; init; } = TwoWellProblem.DefaultC;
    public int Points { get; init; } = TwoWellProblem.DefaultPoints;
    public int DataSeed { get; init; }
    public int Seed { get; init; }
    /// <summary>Mini-batch orders run from the start (Seed, Seed + 1, …): each optimizer's escape count is over them.</summary>
    public int Seeds { get; init; } = 1;

    public const int MaxSeeds = 50;

    /// <summary>The plotted square of the explorer: both wells and the default start with a margin, whatever the constants.</summary>
    public ((double Min, double Max) X, (double Min, double Max) Y) PlotRange
    {
        get
        {
            static (double, double) Axis(double shift) => (Math.Min(1 - shift, 1) - 4, Math.Max(1 - shift, 1) + 4);
            return (Axis(B), Axis(WellC));
        }
    }

    /// <summary>One run request per optimizer, all from the same start on the same data.</summary>
    public IReadOnlyList<RunRequest> ToRequests() => [.. Optimizers.Select(ToRequest)];

    public RunRequest ToRequest(string optimizer) => new()
    {
        Problem = ProblemCatalog.TwoWell,
        ProblemOptions = new ProblemOptions { Points = Points, A = A, B = B, C = WellC, DataSeed = DataSeed, Start = [StartX, StartY] },
        Optimizer = optimizer,
        OptimizerOptions = new OptimizerSettings
        {
            Lr = optimizer == OptimizerCatalog.Adam ? AdamLr : OptimizerCatalog.UsesLearningRate(optimizer) ? Lr : null,
            FStar = OptimizerCatalog.UsesPolyak(optimizer) ? FStar : null,
            MaxStep = OptimizerCatalog.UsesPolyak(optimizer) ? MaxStep : null,
            C = OptimizerCatalog.UsesPolyak(optimizer) && optimizer != OptimizerCatalog.SpsMax ? C : null,
        },
        BatchSize = BatchSize,
        Epochs = Epochs,
        Seed = Seed,
        Label = optimizer,
    };
}

/// <summary>One optimizer's run in the race: its path, its per-step loss and step size, and where it ended (the first
/// seed's); with more seeds, the other mini-batch orders' paths and how many of all seeds end in the global well.</summary>
public sealed record RaceLane(string Optimizer, double[] X0, double[] X1, double[] Loss, double[] StepSize,
    string Well, double FinalLoss, RunStatus Status, string? Message)
{
    /// <summary>The paths of seeds 2…N.</summary>
    public IReadOnlyList<RacePath> OtherPaths { get; init; } = [];
    public int Seeds { get; init; } = 1;
    /// <summary>Seeds (of <see cref="Seeds"/>) ending in the global well.</summary>
    public int Escaped { get; init; }
}

/// <summary>One seed's path: x0 and x1 per step, the start first.</summary>
/// <remarks>A record, not a tuple: JSON writes a tuple's fields as <c>{}</c>.</remarks>
public sealed record RacePath(double[] X0, double[] X1);

/// <summary>The race: every lane, and what it cost.</summary>
public sealed record RaceResult(IReadOnlyList<RaceLane> Lanes, double Milliseconds);

/// <summary>Runs the selected optimizers from one start point on the two-well problem, as one batched computation.</summary>
public static class TwoWellRace
{
    /// <summary>Bad settings give field errors (named as in <see cref="RaceSettings"/>), nothing runs.</summary>
    public static IReadOnlyList<FieldError> Validate(RaceSettings s)
    {
        var errors = new List<FieldError>();
        if (s.Optimizers.Count == 0) errors.Add(new("optimizers", "Pick at least one optimizer."));
        if (s.Seeds is < 1 or > RaceSettings.MaxSeeds) errors.Add(new("seeds", $"Seeds must be 1 to {RaceSettings.MaxSeeds}; got {s.Seeds}."));
        var (x, y) = s.PlotRange;
        if (!(s.StartX >= x.Min && s.StartX <= x.Max && s.StartY >= y.Min && s.StartY <= y.Max))
            errors.Add(new("start", $"Pick a start inside the plot: x0 in [{x.Min:0.#}, {x.Max:0.#}], x1 in [{y.Min:0.#}, {y.Max:0.#}]."));
        // The shared settings are checked even with no optimizer picked, through a plain sgd request.
        var requests = s.Optimizers.Count > 0 ? s.ToRequests() : [s.ToRequest(OptimizerCatalog.Sgd)];
        foreach (var request in requests)
            errors.AddRange(RunValidation.Validate(request).Select(e => new FieldError(Rename(e.Field, request.Optimizer), e.Message)));
        return [.. errors.DistinctBy(e => e.Field)];
    }

    public static RaceResult Run(RaceSettings settings, CancellationToken cancel = default)
    {
        var errors = Validate(settings);
        if (errors.Count > 0) throw new RunValidationException(errors);
        var clock = Stopwatch.StartNew();
        var requests = settings.ToRequests();
        int seeds = settings.Seeds, k = requests.Count;
        var rows = Enumerable.Range(0, seeds).SelectMany(seed => requests.Select(r => r with { Seed = r.Seed + seed })).ToArray();   // seed-major
        var recorders = rows.Select(_ => new RunRecorder()).ToArray();
        using var problem = (TwoWellProblem)ProblemCatalog.Create(ProblemCatalog.TwoWell, requests[0].ProblemOptions);
        var summaries = TrajectoryBatch.Run(problem, rows, i => recorders[i], cancel, epochLosses: false);
        RacePath Path(int row)
        {
            var path = new[] { new[] { settings.StartX, settings.StartY } }.Concat(recorders[row].Batches.Select(b => b.Parameters!)).ToArray();
            return new([.. path.Select(p => p[0])], [.. path.Select(p => p[1])]);
        }
        string WellOf(RunSummary s) => s.Status == RunStatus.Diverged ? "diverged" : problem.WellOf(s.Parameters);
        var lanes = requests.Select((r, i) =>
        {
            var batches = recorders[i].Batches;
            var (x0, x1) = Path(i);
            var s = summaries[i];
            return new RaceLane(r.Optimizer, x0, x1, [.. batches.Select(b => b.Loss)], [.. batches.Select(b => b.StepSize)],
                WellOf(s), s.FinalLoss, s.Status, s.Message)
            {
                Seeds = seeds,
                Escaped = Enumerable.Range(0, seeds).Count(seed => WellOf(summaries[seed * k + i]) == "global"),
                OtherPaths = [.. Enumerable.Range(1, seeds - 1).Select(seed => Path(seed * k + i))],
            };
        }).ToArray();
        return new RaceResult(lanes, clock.Elapsed.TotalMilliseconds);
    }

    // Request fields → the explorer's control names, so a message lands next to its control.
    private static string Rename(string field, string optimizer) => field switch
    {
        "optimizerOptions.lr" => optimizer == OptimizerCatalog.Adam ? "adamLr" : "lr",
        "optimizerOptions.fStar" => "fStar",
        "optimizerOptions.maxStep" => "maxStep",
        "optimizerOptions.c" => "c",
        "problemOptions.a" => "a",
        "problemOptions.b" => "b",
        "problemOptions.c" => "wellC",
        "problemOptions.points" => "points",
        "problemOptions.start" => "start",
        "optimizer" => "optimizers",
        _ => field,
    };
}
