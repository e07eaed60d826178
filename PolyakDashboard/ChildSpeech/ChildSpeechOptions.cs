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
}
