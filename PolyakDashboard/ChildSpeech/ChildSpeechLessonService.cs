using PolyakCore.Experiments;
using PolyakCore.Text;
using PolyakCore.Training;

namespace PolyakDashboard.ChildSpeech;

/// <summary>The 1d page's "what to look for" sentences, made once from the shipped checkpoints, the built-in corpus
/// and the shipped Polyak ladder (<see cref="ChildSpeechLesson"/>).</summary>
public sealed class ChildSpeechLessonService(TextLibraries libraries, PolyakLadderService ladder)
{
    private readonly Lazy<IReadOnlyList<string>> _sentences = new(() =>
    {
        var corpus = TextCorpus.ChildSpeech();
        var report = GptPreset.Find(GptPreset.Report)!;
        var shipped = libraries.Checkpoints.List().Where(c => c.Shipped).Select(c => c.Metadata).ToList();
        return ChildSpeechLesson.Describe(shipped, ChildSpeechCorpus.EntropyFloor(), ladder.Ladder?.UnigramLoss ?? PolyakLadder.UnigramEntropy(corpus.Train),
            ladder.Ladder, corpus.IterationsPerEpoch(ReportChildSpeech.Batch, report.Block));
    });

    public IReadOnlyList<string> Sentences => _sentences.Value;
}
