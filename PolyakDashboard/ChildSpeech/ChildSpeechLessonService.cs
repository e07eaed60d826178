using PolyakCore.Experiments;
using PolyakCore.Export;
using PolyakCore.Text;
using PolyakCore.Training;

namespace PolyakDashboard.ChildSpeech;

/// <summary>The 1d page's "what to look for" sentences, made once from the shipped checkpoints, the built-in corpus,
/// the shipped Polyak ladder and the shipped reproduction runs (<see cref="ChildSpeechLesson"/>), and the account of the
/// shipped short Polyak SGD runs over batch, dropout and model size (<see cref="ChildSpeechFirstPhase"/>).</summary>
public sealed class ChildSpeechLessonService(TextLibraries libraries, PolyakLadderService ladder, string reproductionFolder, ILogger? logger = null,
    string? firstPhaseFolder = null)
{
    /// <summary>One folder per optimizer, each as <c>PolyakDashboard run --config … --out</c> left it (summary.json, epochs.csv).</summary>
    public const string ReproductionPath = "measurements/1d-reproduction";

    /// <summary>Short Polyak SGD runs over batch, dropout and model size, one folder each as the CLI left it.</summary>
    public const string FirstPhasePath = "measurements/1d-first-phase";

    /// <summary>The measurements shipped under the content root.</summary>
    public static ChildSpeechLessonService Shipped(TextLibraries libraries, PolyakLadderService ladder, IWebHostEnvironment environment,
        ILogger<ChildSpeechLessonService> logger) => new(libraries, ladder, Path.Combine(environment.ContentRootPath, ReproductionPath), logger,
        Path.Combine(environment.ContentRootPath, FirstPhasePath));

    private readonly Lazy<(List<RunFolderContent> Runs, ChildSpeechLessonText Text, ChildSpeechFirstPhaseText? FirstPhase)> _lesson = new(() =>
    {
        var corpus = TextCorpus.ChildSpeech();
        var report = GptPreset.Find(GptPreset.Report)!;
        var shipped = libraries.Checkpoints.List().Where(c => c.Shipped).Select(c => c.Metadata).ToList();
        var runs = ReadRuns(reproductionFolder, logger);
        double unigram = ladder.Ladder?.UnigramLoss ?? PolyakLadder.UnigramEntropy(corpus.Train);
        var firstPhase = firstPhaseFolder is null ? null
            : ChildSpeechFirstPhase.Describe(ReadRuns(firstPhaseFolder, logger), unigram, ReportChildSpeech.SgdLr, runs);
        return (runs, ChildSpeechLesson.Describe(shipped, ChildSpeechCorpus.EntropyFloor(), unigram,
            ladder.Ladder, corpus.IterationsPerEpoch(ReportChildSpeech.Batch, report.Block), runs), firstPhase);
    });

    public IReadOnlyList<string> Sentences => _lesson.Value.Text.Sentences;

    /// <summary>The short Polyak SGD runs' account (null without them: the page leaves it out).</summary>
    public ChildSpeechFirstPhaseText? FirstPhase => _lesson.Value.FirstPhase;

    /// <summary>With several seeds measured: Polyak SGD's first phase seed by seed (the page folds it).</summary>
    public IReadOnlyList<string> PerSeed => _lesson.Value.Text.PerSeed;

    /// <summary>The shortest and longest wall-clock minutes of the shipped reproduction runs (null without any).</summary>
    public (double Shortest, double Longest)? MeasuredMinutes => _lesson.Value.Runs is { Count: > 0 } runs
        ? (runs.Min(r => r.Summary.Seconds) / 60, runs.Max(r => r.Summary.Seconds) / 60) : null;

    private static List<RunFolderContent> ReadRuns(string root, ILogger? logger)
    {
        var runs = new List<RunFolderContent>();
        if (!Directory.Exists(root)) return runs;
        foreach (var folder in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            try { runs.Add(RunFolderContent.Read(folder)); }
            catch (InvalidDataException e) { logger?.LogWarning("Skipping a measured run: {Message}", e.Message); }
        }
        return runs;
    }
}
