using PolyakCore.Shared;
using System.Diagnostics;
using PolyakCore.Optimization;
using PolyakCore.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace PolyakCore.Training;

/// <summary>Where a text run finds corpora and puts checkpoints (named CheckpointStem, else RunId, + "-best"/"-last").</summary>
public sealed record TextEnvironment(CorpusLibrary Corpora, string? CheckpointFolder = null, string? RunId = null, string? CheckpointStem = null)
{
    public static TextEnvironment Default { get; } = new(new CorpusLibrary(null));
}

/// <summary>What a child-speech request resolves to before training: the corpus, the model and the schedule.</summary>
/// <remarks><see cref="TotalSteps"/> is 64-bit: a tiny model at batch 1 over a large corpus for 1,000 epochs passes
/// 2³¹ steps (<see cref="TextTrainer.CheckSize"/> refuses such runs where limits apply).</remarks>
public sealed record TextPlan(TextCorpus Corpus, GptConfig Config, string? Preset, int IterationsPerEpoch, long TotalSteps)
{
    /// <summary>Sequences the run trains on (steps × batch): its "samples".</summary>
    public long Samples(int batch) => TotalSteps * batch;

    /// <summary>Parameters × characters trained on (steps × batch × block): about a sixth of the run's floating-point operations.</summary>
    public double Compute(int batch) => (double)Config.ParameterCount * TotalSteps * batch * Config.Block;
}

/// <summary>Trains a character GPT with any optimizer of the catalogue and streams the same records as the small problems:
/// a <see cref="BatchRecord"/> per step (loss, step size, ‖g‖²) and, after every epoch, an <see cref="EpochRecord"/> whose
/// loss is the training loss and whose <see cref="EpochRecord.ValLoss"/> is the validation loss.</summary>
/// <remarks>An epoch is len(train) / (batch · block) iterations, as in the report. Synchronous, like <see cref="Trainer"/>.</remarks>
public static class TextTrainer
{
    public static TextPlan Plan(RunRequest request, CorpusLibrary corpora)
    {
        var o = request.ProblemOptions.Text ?? new TextOptions();
        var corpus = o.CorpusPath is { } path ? TextCorpus.FromFile(path) : corpora.Get(o.Corpus, request.ProblemOptions.DataSeed, o.Generator);
        var preset = GptPreset.Find(o.Preset ?? GptPreset.Tiny) ?? throw new ArgumentException($"Unknown preset '{o.Preset}'.");
        var config = new GptConfig(corpus.Tokenizer.Size, o.NEmbd ?? preset.NEmbd, o.NHead ?? preset.NHead, o.NLayer ?? preset.NLayer,
            o.Block ?? preset.Block, o.Dropout ?? preset.Dropout);
        int perEpoch = corpus.IterationsPerEpoch(request.BatchSize, config.Block);
        bool custom = o.NEmbd is not null || o.NHead is not null || o.NLayer is not null || o.Block is not null || o.Dropout is not null;
        return new TextPlan(corpus, config, custom ? null : preset.Name, perEpoch, (long)perEpoch * request.Epochs);
    }

    /// <summary>The run's size against the limits, once its corpus is known: steps, samples (sequences) and compute
    /// (parameters × characters), each named on the field that changes it; empty when it fits.</summary>
    public static IReadOnlyList<FieldError> CheckSize(RunRequest request, TextPlan plan, RunLimits limits) =>
        TextValidation.ValidateSize(request, plan, limits);

    public static RunSummary Run(RunRequest request, TextEnvironment environment, IRunSink? sink = null,
        CancellationToken cancel = default, RunLimits? limits = null)
    {
        RunValidation.EnsureValid(request, limits);
        var clock = Stopwatch.StartNew();
        var plan = Plan(request, environment.Corpora);
        if (limits is not null && CheckSize(request, plan, limits) is { Count: > 0 } tooLarge) throw new RunValidationException(tooLarge);
        var options = request.ProblemOptions.Text ?? new TextOptions();
        var tokenizer = plan.Corpus.Tokenizer;
        int evalBatches = options.EvalBatches ?? 10, evalSize = Math.Min(request.BatchSize, 64);
        int rowsPerPass = RowsPerPass(plan.Config, request.BatchSize), evaluationRows = RowsPerPass(plan.Config, 64, forwardOnly: true);

        using var model = new CharGpt(plan.Config, request.Seed);
        var trainIds = tokenizer.Encode(plan.Corpus.Train);
        var valIds = tokenizer.Encode(plan.Corpus.Validation);
        using var train = new TextBatches(trainIds, plan.Config.Block, request.BatchSize, request.Seed);
        using var optimizer = OptimizerCatalog.Create(request.Optimizer, request.OptimizerOptions, model.parameters(), plan.IterationsPerEpoch);
        var checkpoints = new CheckpointWriter(environment, request, plan);

        var status = RunStatus.Completed;
        string? message = null;
        int step = 0;
        var stats = new StepStats();
        (double Train, double Val) last = default;
        EvaluationWindows? evaluation = null;

        using var turn = ComputeSlots.Shared.Join(cancel);
        try
        {
            turn.Next();
            evaluation = new EvaluationWindows(trainIds, valIds, plan.Config.Block, evalSize, evalBatches);
            last = evaluation.Evaluate(model, evaluationRows, cancel);
            sink?.OnEpoch(new EpochRecord(0, last.Train, null) { ValLoss = last.Val });
            for (int epoch = 1; epoch <= request.Epochs && status == RunStatus.Completed; epoch++)
            {
                model.train();
                for (int i = 0; i < plan.IterationsPerEpoch; i++)
                {
                    turn.Next();
                    if (cancel.IsCancellationRequested) { status = RunStatus.Cancelled; message = "Cancelled."; break; }
                    var record = TrainStep(model, optimizer, train, rowsPerPass, evaluationRows, cancel);
                    step++;
                    sink?.OnBatch(new BatchRecord(step, epoch, record.Loss, record.StepSize, record.GradNormSq,
                        record.EffectiveStep, record.Evaluations, null) { Seconds = clock.Elapsed.TotalSeconds });
                    if (Divergence.IsDiverged(record.Loss) || !double.IsFinite(record.StepSize))
                    {
                        status = RunStatus.Diverged;
                        message = $"Diverged at step {step} (epoch {epoch}): loss {record.Loss:G4}, step size {record.StepSize:G4}.";
                        break;
                    }
                    stats.Add(record.StepSize);
                }
                if (status != RunStatus.Completed) break;
                last = evaluation.Evaluate(model, evaluationRows, cancel);
                if (!double.IsFinite(last.Train) || !double.IsFinite(last.Val))
                {
                    status = RunStatus.Diverged;
                    message = $"Diverged in epoch {epoch}: the evaluated loss is {last.Train:G4} (train), {last.Val:G4} (validation).";
                    break;
                }
                sink?.OnEpoch(new EpochRecord(epoch, last.Train, null) { ValLoss = last.Val });
                checkpoints.AfterEpoch(model, epoch, step, last.Train, last.Val);
                NativeMemory.ReleaseFreePages();
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            status = RunStatus.Cancelled;       // inside a step or an evaluation: that one is dropped
            message = "Cancelled.";
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            status = RunStatus.Failed;
            message = e.Message;
        }
        finally
        {
            evaluation?.Dispose();
        }
        try
        {
            if (status is RunStatus.Completed or RunStatus.Cancelled && step > 0 && double.IsFinite(last.Val))
                checkpoints.Last(model, step, last.Train, last.Val);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            status = RunStatus.Failed;
            message = $"The last checkpoint could not be written: {e.Message}";
        }

        return new RunSummary
        {
            Status = status,
            Message = message,
            Steps = step,
            TotalSteps = (int)Math.Min(plan.TotalSteps, int.MaxValue),
            FinalLoss = last.Train,
            ValLoss = last.Val,
            BestValLoss = checkpoints.BestVal,
            BestEpoch = checkpoints.BestEpoch,
            EntropyFloor = plan.Corpus.EntropyFloor,
            Checkpoints = checkpoints.Written,
            ModelParameters = plan.Config.ParameterCount,
            MaxStepSize = stats.Max,
            MeanStepSize = stats.Mean,
            DivergedAtStep = status == RunStatus.Diverged ? step : null,
            Seconds = clock.Elapsed.TotalSeconds,
            Request = request,
        };
    }

    /// <summary>Floating-point operations one forward-and-backward pass may take (about 0.2 s on a 2-core laptop, so
    /// under load from other work still well under a second): a batch larger than that is trained in passes of fewer
    /// rows, its gradients summed, and a cancel is checked between passes, so it lands within a second at any legal size.</summary>
    internal const double PassFlops = 1.5e10;

    /// <summary>The most one row (one sequence) may cost, forward and backward: a pass cannot be smaller than a row,
    /// so a model and context above this could not be cancelled within a second (the validation refuses them).</summary>
    public const double MaxRowFlops = 3e10;

    /// <summary>Forward-and-backward FLOPs of one row: 6 per parameter per token, plus attention's 12·layers·block·width per token.</summary>
    public static double RowFlops(GptConfig config) =>
        config.Block * (6.0 * config.ParameterCount + 12.0 * config.NLayer * config.Block * config.NEmbd);

    /// <summary>Rows (sequences) per pass: the whole batch when it fits <see cref="PassFlops"/> (tiny at batch 32, the
    /// shipped checkpoints' size, trains exactly as in one pass), else fewer, at least one. Forward only (evaluation)
    /// costs a third as much per row.</summary>
    public static int RowsPerPass(GptConfig config, int batch, bool forwardOnly = false)
    {
        double perRow = RowFlops(config) / (forwardOnly ? 3 : 1);
        return (int)Math.Clamp(Math.Floor(PassFlops / perRow), 1, Math.Max(1, batch));
    }

    internal static StepRecord TrainStep(CharGpt model, Optimizer optimizer, TextBatches batches, int rowsPerPass, int evaluationRows,
        CancellationToken cancel)
    {
        using var scope = NewDisposeScope();
        var (x, y) = batches.Next();
        model.zero_grad();
        Tensor loss;
        long rows = x.shape[0];
        if (rowsPerPass >= rows)
        {
            loss = model.Loss(x, y);
            loss.backward();
        }
        else
        {
            // The batch's mean loss is the row-weighted mean of the passes' means; so are the summed gradients.
            double total = 0;
            for (long start = 0; start < rows; start += rowsPerPass)
            {
                cancel.ThrowIfCancellationRequested();
                using var pass = NewDisposeScope();
                long n = Math.Min(rowsPerPass, rows - start);
                var part = model.Loss(x.narrow(0, start, n), y.narrow(0, start, n)).Times((double)n / rows);   // a kept Scalar (KeptScalars)
                part.backward();
                total += part.ToDouble();
            }
            loss = tensor(total);
        }
        cancel.ThrowIfCancellationRequested();
        Func<double>? evaluate = optimizer.StepRule.NeedsTrialLoss
            ? () => { using var noGrad = no_grad(); return EvaluationWindows.MeanLoss(model, x, y, evaluationRows, cancel); }
            : null;
        return optimizer.Step(loss, evaluate);
    }
}
