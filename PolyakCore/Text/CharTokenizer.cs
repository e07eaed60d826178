namespace PolyakCore.Text;

/// <summary>Characters to token ids and back: the vocabulary is the sorted set of a corpus's characters.</summary>
public sealed class CharTokenizer
{
    private readonly Dictionary<char, int> _ids;

    public CharTokenizer(IEnumerable<char> vocabulary)
    {
        Vocabulary = vocabulary.Distinct().Order().ToArray();
        if (Vocabulary.Count == 0) throw new ArgumentException("A vocabulary needs at least one character.", nameof(vocabulary));
        _ids = Vocabulary.Select((c, i) => (c, i)).ToDictionary(t => t.c, t => t.i);
    }

    /// <summary>The tokenizer of a text: every distinct character, sorted by code point.</summary>
    public static CharTokenizer Of(string text) => new(text);

    public IReadOnlyList<char> Vocabulary { get; }

    public int Size => Vocabulary.Count;

    public bool Knows(char c) => _ids.ContainsKey(c);

    /// <summary>Characters of <paramref name="text"/> the vocabulary lacks, each once, in order of appearance.</summary>
    public IReadOnlyList<char> Unknown(string text) => text.Where(c => !_ids.ContainsKey(c)).Distinct().ToArray();

    /// <summary>Token ids; throws with the offending characters listed when one is not in the vocabulary.</summary>
    public long[] Encode(string text)
    {
        var unknown = Unknown(text);
        if (unknown.Count > 0)
            throw new ArgumentException($"The model does not know {Describe(unknown)}; it knows: {Describe(Vocabulary)}.", nameof(text));
        var ids = new long[text.Length];
        for (int i = 0; i < text.Length; i++) ids[i] = _ids[text[i]];
        return ids;
    }

    public string Decode(IEnumerable<long> ids) => string.Concat(ids.Select(i => Vocabulary[(int)i]));

    public char Decode(long id) => Vocabulary[(int)id];

    /// <summary>Readable list of characters: newline and space named, others quoted.</summary>
    public static string Describe(IEnumerable<char> chars) => string.Join(" ", chars.Select(Name));

    public static string Name(char c) => c switch
    {
        '\n' => "⏎",
        ' ' => "␣",
        '\t' => "\\t",
        _ when char.IsControl(c) => $"U+{(int)c:X4}",
        _ => $"'{c}'",
    };
}
