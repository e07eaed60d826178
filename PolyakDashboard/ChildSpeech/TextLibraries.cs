using Microsoft.Extensions.Options;
using PolyakCore.Text;
using PolyakCore.Training;

namespace PolyakDashboard.ChildSpeech;

/// <summary>The server's corpora and checkpoints, in the folders the options name.</summary>
public sealed class TextLibraries(CorpusLibrary corpora, CheckpointLibrary checkpoints, long maxCheckpointBytes)
{
    public CorpusLibrary Corpora { get; } = corpora;

    public CheckpointLibrary Checkpoints { get; } = checkpoints;

    public long MaxCheckpointBytes { get; } = maxCheckpointBytes;

    /// <summary>The exact entropy floor of the built-in corpus drawn with <paramref name="generator"/>, or why there is none.</summary>
    public static (double? Floor, string? Problem) FloorOf(ChildSpeechGenerator generator) =>
        generator.Problems() is { Count: > 0 } problems ? (null, problems[0].Message) : (GeneratorEntropy.Floor(generator), null);

    /// <summary>Where a server run's checkpoints go, named <c>&lt;run id&gt;-&lt;optimizer&gt;-best|last</c>: the server's run ids
    /// (e.g. <c>1d-160656-37</c>) do not say which model a checkpoint is, and lists show names first.</summary>
    public TextEnvironment EnvironmentFor(string runId, string optimizer) => new(Corpora, Checkpoints.Folder, runId, $"{runId}-{optimizer}");

    /// <summary>Relative folders of the options are under the content root.</summary>
    public static TextLibraries Create(IOptions<ChildSpeechOptions> options, IHostEnvironment environment)
    {
        var o = options.Value;
        string Resolve(string folder) => Path.GetFullPath(Path.Combine(environment.ContentRootPath, folder));
        return new(new CorpusLibrary(Resolve(o.CorpusFolder), o.MaxCorpusBytes),
            new CheckpointLibrary(Resolve(o.CheckpointFolder), Resolve(o.ShippedCheckpointFolder)), o.MaxCheckpointBytes);
    }

    /// <summary>Only the built-in corpus, checkpoints in a folder of their own (tests, components).</summary>
    public static TextLibraries InFolder(string folder) =>
        new(new CorpusLibrary(Path.Combine(folder, "corpora")), new CheckpointLibrary(Path.Combine(folder, "checkpoints")), 64L * 1024 * 1024);
}
