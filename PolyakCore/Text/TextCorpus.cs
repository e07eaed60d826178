using System.Text;

namespace PolyakCore.Text;

/// <summary>A corpus ready to train on: its text split 90/10 into training and validation at a line boundary,
/// and the character vocabulary of the whole text.</summary>
public sealed class TextCorpus
{
    private TextCorpus(string name, string text, double? entropyFloor, string description)
    {
        Name = name;
        Text = text;
        EntropyFloor = entropyFloor;
        Description = description;
        Tokenizer = CharTokenizer.Of(text);
        int split = SplitPoint(text, 0.9);
        Train = text[..split];
        Validation = text[split..];
        Lines = text.Count(c => c == '\n');
    }

    public string Name { get; }
    public string Text { get; }
    public string Train { get; }
    public string Validation { get; }
    public int Lines { get; }
    public CharTokenizer Tokenizer { get; }
    /// <summary>The best achievable loss in nats per character, when the generator is known.</summary>
    public double? EntropyFloor { get; }
    public string Description { get; }

    /// <summary>The synthetic child-speech corpus: 10,000 lines (90/10 train/validation) from a seed, drawn as
    /// <paramref name="generator"/> says (default: the course's two uniform phrases a line).</summary>
    public static TextCorpus ChildSpeech(int seed = 0, int lines = ChildSpeechCorpus.DefaultTrainLines, ChildSpeechGenerator? generator = null)
    {
        generator ??= ChildSpeechGenerator.Default;
        string description = generator.IsDefault
            ? $"{lines:N0} lines of two toddler phrases from a list of {ChildSpeechCorpus.Phrases.Count} (seed {seed})"
            : $"{lines:N0} lines of {generator.Describe()} (seed {seed})";
        return new(ChildSpeechCorpus.Name, ChildSpeechCorpus.Generate(lines, seed, generator), GeneratorEntropy.Floor(generator), description)
            { Generator = generator };
    }

    /// <summary>The settings a built-in corpus was drawn with (null for a corpus from text).</summary>
    public ChildSpeechGenerator? Generator { get; private init; }

    /// <summary>A corpus from text, one utterance per line; throws <see cref="CorpusException"/> when unusable.</summary>
    public static TextCorpus FromText(string name, string text)
    {
        text = text.Replace("\r\n", "\n").Replace('\r', '\n');
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        if (!text.EndsWith('\n')) text += "\n";
        var control = text.Where(c => char.IsControl(c) && c is not '\n' and not '\t').Take(1).ToArray();
        if (control.Length > 0)
            throw new CorpusException($"The corpus has a control character ({CharTokenizer.Name(control[0])}); use plain text, one utterance per line.");
        int lines = text.Count(c => c == '\n');
        if (lines < 10 || text.Length < 200)
            throw new CorpusException($"The corpus is too small to train on: {lines} lines, {text.Length} characters (at least 10 lines and 200 characters).");
        var corpus = new TextCorpus(name, text, null, $"{lines:N0} lines from {name}");
        if (corpus.Tokenizer.Size > 1000)
            throw new CorpusException($"The corpus has {corpus.Tokenizer.Size} distinct characters; a character model here takes at most 1,000.");
        return corpus;
    }

    /// <summary>Reads a UTF-8 file; anything else (or a file that is not text) gets a clear message.</summary>
    public static TextCorpus FromBytes(string name, byte[] bytes)
    {
        string text;
        try { text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes); }
        catch (DecoderFallbackException) { throw new CorpusException("The corpus is not UTF-8 text; save it as UTF-8, one utterance per line."); }
        return FromText(name, text);
    }

    public static TextCorpus FromFile(string path)
    {
        if (!File.Exists(path)) throw new CorpusException($"No corpus file at {path}.");
        return FromBytes(Path.GetFileNameWithoutExtension(path), File.ReadAllBytes(path));
    }

    /// <summary>Iterations of one epoch as in the report: len(train) / (batch · block), at least one.</summary>
    public int IterationsPerEpoch(int batch, int block) => Math.Max(1, Train.Length / Math.Max(1, batch * block));

    private static int SplitPoint(string text, double share)
    {
        int at = (int)(text.Length * share);
        int newline = text.LastIndexOf('\n', Math.Max(0, at - 1));
        return newline > 0 ? newline + 1 : at;
    }
}

/// <summary>A corpus that cannot be used, with a message for the user.</summary>
public sealed class CorpusException(string message) : Exception(message);
