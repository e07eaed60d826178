namespace PolyakCore.Training;

/// <summary>How a run ended (or where it is).</summary>
public enum RunStatus { Queued, Running, Completed, Diverged, Cancelled, Failed, Interrupted }

/// <summary>One mini-batch step of a run.</summary>
/// <param name="Step">1-based update count.</param>
/// <param name="Epoch">1-based epoch the step belongs to.</param>
/// <param name="Loss">Mini-batch loss before the update.</param>
/// <param name="Parameters">θ after the update, for models with at most 10 parameters; else null.</param>
public sealed record BatchRecord(int Step, int Epoch, double Loss, double StepSize, double GradNormSq,
    double EffectiveStep, int Evaluations, double[]? Parameters)
{
    /// <summary>Wall-clock seconds since the run started, when the step ended (x axis "wall time").</summary>
    public double Seconds { get; init; }
}

/// <summary>Full-data loss after an epoch (epoch 0 is the start). For a model with held-out data
/// (child speech) <see cref="Loss"/> is the training loss and <see cref="ValLoss"/> the validation loss.</summary>
public sealed record EpochRecord(int Epoch, double Loss, double[]? Parameters)
{
    public double? ValLoss { get; init; }
}

/// <summary>Receives a run's records as they happen (on the training thread: be quick).</summary>
public interface IRunSink
{
    void OnBatch(BatchRecord record);
    void OnEpoch(EpochRecord record);
}

/// <summary>A sink that keeps only each step's loss and step size (an ensemble's seeds): the batched engine hands it
/// the two numbers instead of a <see cref="BatchRecord"/> (an object per row and step is most of what an ensemble of
/// many seeds allocates). The single-run trainer still calls <see cref="IRunSink.OnBatch"/>.</summary>
public interface IStepScalarSink : IRunSink
{
    void OnStep(double loss, double stepSize);
}

/// <summary>A sink that keeps everything in memory (tests, CLI, small runs).</summary>
public sealed class RunRecorder : IRunSink
{
    public List<BatchRecord> Batches { get; } = [];
    public List<EpochRecord> Epochs { get; } = [];
    public void OnBatch(BatchRecord record) => Batches.Add(record);
    public void OnEpoch(EpochRecord record) => Epochs.Add(record);
}

/// <summary>Hands every record to each of several sinks, in order (e.g. files and memory).</summary>
public sealed class TeeSink(params IRunSink[] sinks) : IRunSink
{
    public void OnBatch(BatchRecord record) { foreach (var sink in sinks) sink.OnBatch(record); }
    public void OnEpoch(EpochRecord record) { foreach (var sink in sinks) sink.OnEpoch(record); }
}

/// <summary>The end of a run: the CLI's summary.json and the API's summary.</summary>
public sealed record RunSummary
{
    public RunStatus Status { get; init; }
    public string? Message { get; init; }
    public int Steps { get; init; }
    public int TotalSteps { get; init; }
    /// <summary>Full-data loss at the end (at the last finite parameters for a diverged run).</summary>
    public double FinalLoss { get; init; }
    /// <summary>θ at the end, flat: weights then bias.</summary>
    public double[] Parameters { get; init; } = [];
    public IReadOnlyList<string> ParameterNames { get; init; } = [];
    public double MaxStepSize { get; init; }
    public double MeanStepSize { get; init; }
    public int? DivergedAtStep { get; init; }
    /// <summary>Closed-form optimum and its loss, where the problem has one (least squares).</summary>
    public double[]? Optimum { get; init; }
    public double? OptimalLoss { get; init; }
    public double Seconds { get; init; }
    public RunRequest Request { get; init; } = new();

    // Character models (child speech): FinalLoss is the last evaluated training loss.
    public double? ValLoss { get; init; }
    public double? BestValLoss { get; init; }
    public int? BestEpoch { get; init; }
    /// <summary>Best achievable loss of the corpus (nats per character), when its generator is known.</summary>
    public double? EntropyFloor { get; init; }
    /// <summary>Names of the checkpoints the run wrote.</summary>
    public IReadOnlyList<string>? Checkpoints { get; init; }
    public long? ModelParameters { get; init; }
}
