using PolyakCore.Text;

namespace PolyakDashboard.ChildSpeech;

/// <summary>Settings of corpora, checkpoints and generation ("ChildSpeech" in appsettings.json). Relative
/// folders are under the app's content root.</summary>
public sealed class ChildSpeechOptions
{
    /// <summary>Where trained runs and uploads put checkpoints.</summary>
    public string CheckpointFolder { get; set; } = "data/checkpoints";

    /// <summary>Read-only checkpoints shipped with the app (so the playground works on a fresh clone).</summary>
    public string ShippedCheckpointFolder { get; set; } = "checkpoints";

    /// <summary>Uploaded corpora.</summary>
    public string CorpusFolder { get; set; } = "data/corpora";

    public long MaxCorpusBytes { get; set; } = 20L * 1024 * 1024;

    public long MaxCheckpointBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Generations running at once, each on a thread of its own (the playground and <c>POST /api/generate</c>).</summary>
    public int MaxConcurrentGenerations { get; set; } = 2;

    /// <summary>Generations waiting for a free slot; past this a request is refused (429, "busy").</summary>
    public int MaxQueuedGenerations { get; set; } = 6;

    /// <summary>Characters per sample at most.</summary>
    public int MaxNewCharacters { get; set; } = 2000;

    /// <summary>Samples per request at most.</summary>
    public int MaxSamples { get; set; } = 8;

    /// <summary>Prompt length at most (characters).</summary>
    public int MaxPromptLength { get; set; } = 2000;

    /// <summary>Checkpoints generating side by side at most.</summary>
    public int MaxSideBySide { get; set; } = 3;

    /// <summary>Loaded checkpoints kept in memory (least recently used dropped first).</summary>
    public int LoadedCheckpoints { get; set; } = 4;

    /// <summary>Generate a few characters from the best shipped checkpoint at start-up (so the first user's is fast).</summary>
    public bool WarmUp { get; set; } = true;

    public SamplingLimits SamplingLimits => new(MaxNewCharacters, MaxSamples, MaxPromptLength);
}
