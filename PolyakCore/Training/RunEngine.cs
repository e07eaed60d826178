using PolyakCore.Problems;
using PolyakCore.Text;

namespace PolyakCore.Training;

/// <summary>Runs any request: the small problems on <see cref="Trainer"/>, child speech on <see cref="TextTrainer"/>.</summary>
public static class RunEngine
{
    /// <remarks>The run's freed native memory goes back to the OS when it ends (see <see cref="NativeMemory"/>).</remarks>
    public static RunSummary Run(RunRequest request, IRunSink? sink = null, CancellationToken cancel = default,
        RunLimits? limits = null, TextEnvironment? text = null)
    {
        try
        {
            return request.Problem == ProblemCatalog.ChildSpeech
                ? TextTrainer.Run(request, text ?? TextEnvironment.Default, sink, cancel, limits)
                : Trainer.Run(request, sink, cancel, limits);
        }
        finally { NativeMemory.ReleaseFreePages(); }
    }

    /// <summary>Steps a valid request will take (child speech reads its corpus to know).</summary>
    public static int TotalSteps(RunRequest request, CorpusLibrary? corpora = null) =>
        request.Problem == ProblemCatalog.ChildSpeech
            ? (int)Math.Min(TextTrainer.Plan(request, corpora ?? TextEnvironment.Default.Corpora).TotalSteps, int.MaxValue)
            : ProblemCatalog.TotalSteps(request.Problem, request.ProblemOptions, request.BatchSize, request.Epochs);
}
