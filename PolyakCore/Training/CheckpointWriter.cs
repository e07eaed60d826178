using PolyakCore.Text;

namespace PolyakCore.Training;

/// <summary>Keeps a run's best-validation and last checkpoints up to date.</summary>
internal sealed class CheckpointWriter(TextEnvironment environment, RunRequest request, TextPlan plan)
{
    private readonly bool _enabled = environment.CheckpointFolder is not null && (request.ProblemOptions.Text?.SaveCheckpoints ?? true);
    private readonly string _stem = environment.CheckpointStem ?? environment.RunId ?? $"{request.Optimizer}-{DateTime.UtcNow:yyyyMMdd-HHmmss}";
    private readonly List<string> _written = [];

    public double? BestVal { get; private set; }
    public int? BestEpoch { get; private set; }
    public IReadOnlyList<string> Written => _written;

    public void AfterEpoch(CharGpt model, int epoch, int steps, double trainLoss, double valLoss)
    {
        if (BestVal is { } best && valLoss >= best) return;
        BestVal = valLoss;
        BestEpoch = epoch;
        Write(model, "best", epoch, steps, trainLoss, valLoss);
    }

    public void Last(CharGpt model, int steps, double trainLoss, double valLoss) =>
        Write(model, "last", steps / plan.IterationsPerEpoch, steps, trainLoss, valLoss);

    private void Write(CharGpt model, string kind, int epoch, int steps, double trainLoss, double valLoss)
    {
        if (!_enabled) return;
        var name = $"{_stem}-{kind}";
        Checkpoint.Save(Path.Combine(environment.CheckpointFolder!, name + Checkpoint.Extension), model, new CheckpointMetadata
        {
            Model = model.Config,
            Vocabulary = string.Concat(plan.Corpus.Tokenizer.Vocabulary),
            Preset = plan.Preset,
            Optimizer = request.Optimizer,
            OptimizerOptions = request.OptimizerOptions,
            BatchSize = request.BatchSize,
            Seed = request.Seed,
            Epoch = epoch,
            Steps = steps,
            TrainLoss = trainLoss,
            ValLoss = valLoss,
            Corpus = plan.Corpus.Name,
            EntropyFloor = plan.Corpus.EntropyFloor,
            Kind = kind,
            RunId = environment.RunId,
            CreatedAt = DateTimeOffset.UtcNow,
        });
        if (!_written.Contains(name)) _written.Add(name);
    }
}
