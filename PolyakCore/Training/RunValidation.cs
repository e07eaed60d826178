using PolyakCore.Optimization;
using PolyakCore.Problems;
using PolyakCore.Shared;
using PolyakCore.Text;

namespace PolyakCore.Training;

/// <summary>Thrown when a request is not valid; carries every bad field.</summary>
public sealed class RunValidationException(IReadOnlyList<FieldError> errors)
    : ArgumentException(string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")))
{
    public IReadOnlyList<FieldError> Errors { get; } = errors;
}

/// <summary>Size limits on one run, so nobody can queue a week of work by accident.</summary>
public sealed record RunLimits
{
    public int MaxEpochs { get; init; } = 100_000;
    public int MaxPoints { get; init; } = 1_000_000;
    /// <summary>Epochs × points: the number of per-point loss evaluations of a run.</summary>
    public long MaxSamples { get; init; } = 500_000_000;
    public long MaxSteps { get; init; } = 5_000_000;
    /// <summary>Largest character model a run may train (the report's model has 10.8M parameters).</summary>
    public long MaxModelParameters { get; init; } = 12_000_000;
    public int MaxTextEpochs { get; init; } = 1_000;
    public int MaxTextBatch { get; init; } = 512;
    /// <summary>A character model's compute: parameters × characters trained on (steps × batch × block), about a sixth
    /// of its floating-point operations. Default 2·10¹⁴: the report's model for ~40 epochs of the child-speech corpus,
    /// some four hours of a 2-core laptop.</summary>
    public double MaxTextCompute { get; init; } = 2e14;
    /// <summary>False on the server: a request may not name a file on the server's disk (uploads instead).</summary>
    public bool AllowCorpusPaths { get; init; } = true;
    public static RunLimits Default { get; } = new();
}

/// <summary>The one place that says what a valid <see cref="RunRequest"/> is: forms, API and CLI all use it.</summary>
public static class RunValidation
{
    public static IReadOnlyList<FieldError> Validate(RunRequest? request, RunLimits? limits = null)
    {
        limits ??= RunLimits.Default;
        var errors = new List<FieldError>();
        void Error(string field, string message) => errors.Add(new FieldError(field, message));

        if (request is null) { Error("request", "A run request is required."); return errors; }

        bool problemKnown = ProblemCatalog.IsKnown(request.Problem);
        if (!problemKnown)
            Error("problem", $"Unknown problem '{request.Problem}'. Known: {string.Join(", ", ProblemCatalog.Names)}.");
        if (!OptimizerCatalog.IsKnown(request.Optimizer))
            Error("optimizer", $"Unknown optimizer '{request.Optimizer}'. Known: {string.Join(", ", OptimizerCatalog.Names)}.");

        var p = request.ProblemOptions ?? new ProblemOptions();
        if (problemKnown && request.Problem == ProblemCatalog.ChildSpeech)
        {
            TextValidation.Validate(request, limits, Error);
            ValidateOptimizer(request.OptimizerOptions ?? new OptimizerSettings(), Error);
            return errors;
        }
        if (p.Text is not null)
            Error("problemOptions.text", "Text options apply to the child-speech problem only.");
        int points = p.Points ?? (problemKnown ? ProblemCatalog.DefaultPoints(request.Problem) : 1);
        bool pointsKnown = problemKnown;
        if (p.Points is { } n && (n < 1 || n > limits.MaxPoints))
        {
            Error("problemOptions.points", $"Points must be between 1 and {limits.MaxPoints:N0}; got {n}.");
            pointsKnown = false;
        }
        CheckFinite(p.Noise, "problemOptions.noise", allowZero: true, Error);
        if (problemKnown && request.Problem == ProblemCatalog.TwoWell)
        {
            CheckFinite(p.A, "problemOptions.a", allowZero: false, Error);
            CheckReal(p.B, "problemOptions.b", Error);
            CheckReal(p.C, "problemOptions.c", Error);
        }
        if (p.Start is { } start && problemKnown)
        {
            int expected = ProblemCatalog.ParameterCount(request.Problem);
            if (start.Length != expected)
                Error("problemOptions.start", $"The {request.Problem} problem has {expected} parameters; the start point has {start.Length}.");
            else if (start.Any(v => !double.IsFinite(v)))
                Error("problemOptions.start", "Every start coordinate must be a finite number.");
            else if (start.Any(v => Math.Abs(v) > 1e6))
                Error("problemOptions.start", "Start coordinates must lie within ±1e6.");
        }

        if (request.BatchSize < 1)
            Error("batchSize", $"Batch size must be at least 1; got {request.BatchSize}.");
        else if (pointsKnown && request.BatchSize > points)
            Error("batchSize", $"Batch size {request.BatchSize} is larger than the data ({points} points).");
        if (request.Epochs < 1 || request.Epochs > limits.MaxEpochs)
            Error("epochs", $"Epochs must be between 1 and {limits.MaxEpochs:N0}; got {request.Epochs}.");
        else if ((long)request.Epochs * points > limits.MaxSamples)
            Error("epochs", $"{request.Epochs:N0} epochs × {points:N0} points is more than the limit of {limits.MaxSamples:N0} point evaluations per run.");
        else if (request.BatchSize >= 1 && (long)request.Epochs * ((points + request.BatchSize - 1) / request.BatchSize) > limits.MaxSteps)
            Error("epochs", $"This run would take more than the limit of {limits.MaxSteps:N0} steps; use fewer epochs or a larger batch.");
        if (!Enum.IsDefined(request.Reduction))
            Error("reduction", "Reduction must be 'mean' or 'sum'.");

        ValidateOptimizer(request.OptimizerOptions ?? new OptimizerSettings(), Error);
        return errors;
    }

    /// <summary>Throws <see cref="RunValidationException"/> listing every bad field.</summary>
    public static void EnsureValid(RunRequest request, RunLimits? limits = null)
    {
        var errors = Validate(request, limits);
        if (errors.Count > 0) throw new RunValidationException(errors);
    }

    private static void ValidateOptimizer(OptimizerSettings o, Action<string, string> error)
    {
        CheckFinite(o.Lr, "optimizerOptions.lr", allowZero: false, error);
        CheckReal(o.FStar, "optimizerOptions.fStar", error);
        CheckFinite(o.Eps, "optimizerOptions.eps", allowZero: true, error);
        CheckFinite(o.C, "optimizerOptions.c", allowZero: false, error);
        if (o.MaxStep is { } cap && !(cap > 0))   // +∞ is allowed: it means "no cap", even where the optimizer has one by default
            error("optimizerOptions.maxStep", $"The cap must be positive (or Infinity for none); got {cap}.");
        CheckFinite(o.AdamEps, "optimizerOptions.adamEps", allowZero: true, error);
        if (o.Beta1 is { } b1 && !(b1 >= 0 && b1 < 1)) error("optimizerOptions.beta1", $"beta1 must be in [0, 1); got {b1}.");
        if (o.Beta2 is { } b2 && !(b2 >= 0 && b2 < 1)) error("optimizerOptions.beta2", $"beta2 must be in [0, 1); got {b2}.");
        if (o.Shrink is { } s && !(s > 0 && s < 1)) error("optimizerOptions.shrink", $"The shrink factor must be in (0, 1); got {s}.");
        if (o.MaxBacktracks is { } m && (m < 0 || m > 100)) error("optimizerOptions.maxBacktracks", $"Max backtracks must be between 0 and 100; got {m}.");
    }

    internal static void CheckFinite(double? value, string field, bool allowZero, Action<string, string> error)
    {
        if (value is not { } v) return;
        if (!double.IsFinite(v)) error(field, $"Must be a finite number; got {v}.");
        else if (v < 0 || (!allowZero && v == 0)) error(field, $"Must be {(allowZero ? "zero or positive" : "positive")}; got {v}.");
        else if (v > 1e12) error(field, $"Too large: {v}.");
    }

    private static void CheckReal(double? value, string field, Action<string, string> error)
    {
        if (value is { } v && !double.IsFinite(v)) error(field, $"Must be a finite number; got {v}.");
    }
}
