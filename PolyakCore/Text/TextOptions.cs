namespace PolyakCore.Text;

/// <summary>Child-speech settings: the corpus, the model's sizes (a preset, each size overridable), evaluation.</summary>
public sealed record TextOptions
{
    /// <summary>"child-speech" (built in, seeded by problemOptions.dataSeed) or the name of an uploaded corpus.</summary>
    public string? Corpus { get; init; }
    /// <summary>The built-in corpus's phrase list, phrases per line and frequency skew (null: the course's shape).</summary>
    public ChildSpeechGenerator? Generator { get; init; }
    /// <summary>A plain-text file to train on (CLI only; the server takes uploads instead).</summary>
    public string? CorpusPath { get; init; }
    /// <summary>tiny (default), small or report.</summary>
    public string? Preset { get; init; }
    public int? NEmbd { get; init; }
    public int? NHead { get; init; }
    public int? NLayer { get; init; }
    /// <summary>Context length in characters.</summary>
    public int? Block { get; init; }
    public double? Dropout { get; init; }
    /// <summary>Random batches the train and validation losses are averaged over after each epoch (10).</summary>
    public int? EvalBatches { get; init; }
    /// <summary>Save best-validation and last checkpoints (true).</summary>
    public bool? SaveCheckpoints { get; init; }
}
