using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace PolyakCore.Text;

/// <summary>What the corpus list shows.</summary>
public sealed record CorpusInfo(string Name, string Description, int Lines, int Characters, int Vocabulary,
    double? EntropyFloor, bool BuiltIn);

/// <summary>The corpora a run can name: the built-in child-speech corpus and plain-text files in a folder
/// (uploads land there). Built corpora are cached: a grid of runs reads its file once.</summary>
public sealed partial class CorpusLibrary(string? folder, long maxBytes = CorpusLibrary.DefaultMaxBytes)
{
    public const long DefaultMaxBytes = 20L * 1024 * 1024;
    private readonly ConcurrentDictionary<string, Lazy<TextCorpus>> _cache = new();

    public string? Folder { get; } = folder;
    public long MaxBytes { get; } = maxBytes;

    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\z")]   // \z: "$" would let a final newline through
    private static partial Regex SafeName();

    /// <summary>Corpus names are plain file names (no folders, no "..") so nobody reads outside the folder.</summary>
    public static bool IsSafeName(string? name) => name is not null && SafeName().IsMatch(name) && !name.Contains("..");

    /// <summary>The corpus called <paramref name="name"/> (the built-in one takes <paramref name="seed"/> and the
    /// <paramref name="generator"/> settings).</summary>
    public TextCorpus Get(string? name, int seed = 0, ChildSpeechGenerator? generator = null)
    {
        name ??= ChildSpeechCorpus.Name;
        if (name == ChildSpeechCorpus.Name)
        {
            generator ??= ChildSpeechGenerator.Default;
            return _cache.GetOrAdd($"{name}#{seed}#{generator.Key()}", _ => new(() => TextCorpus.ChildSpeech(seed, generator: generator))).Value;
        }
        var path = PathOf(name);
        var key = $"{name}@{File.GetLastWriteTimeUtc(path).Ticks}";
        var lazy = _cache.GetOrAdd(key, _ => new(() => TextCorpus.FromFile(path)));
        try { return lazy.Value; }
        catch { _cache.TryRemove(key, out _); throw; }
    }

    public bool Exists(string? name) => name is null || name == ChildSpeechCorpus.Name
        || (IsSafeName(name) && Folder is not null && File.Exists(Path.Combine(Folder, name + ".txt")));

    public IReadOnlyList<CorpusInfo> List()
    {
        var list = new List<CorpusInfo> { Info(Get(ChildSpeechCorpus.Name), builtIn: true) };
        if (Folder is null || !Directory.Exists(Folder)) return list;
        foreach (var file in Directory.EnumerateFiles(Folder, "*.txt").Order())
        {
            try { list.Add(Info(Get(Path.GetFileNameWithoutExtension(file)), builtIn: false)); }
            catch (CorpusException) { }            // a file someone dropped in by hand that is not a corpus: not listed
        }
        return list;
    }

    public static string TakenMessage(string name) =>
        $"A corpus named '{name}' exists already; an upload never replaces one (checkpoints trained on it name it). Choose another name.";

    /// <summary>Validates an upload fully before writing it (atomically); a bad file never lands, and no upload
    /// replaces an existing corpus.</summary>
    public CorpusInfo Save(string name, byte[] bytes)
    {
        if (Folder is null) throw new CorpusException("This server has no corpus folder; uploads are off.");
        if (!IsSafeName(name) || name == ChildSpeechCorpus.Name)
            throw new CorpusException($"'{name}' is not a usable corpus name: letters, digits, '-', '_' and '.', at most 64, and not '{ChildSpeechCorpus.Name}'.");
        if (bytes.LongLength > MaxBytes)
            throw new CorpusException($"The corpus is {bytes.LongLength / 1024.0 / 1024.0:F1} MB; the limit is {MaxBytes / 1024.0 / 1024.0:F0} MB.");
        if (Exists(name)) throw new CorpusException(TakenMessage(name));
        var corpus = TextCorpus.FromBytes(name, bytes);
        Directory.CreateDirectory(Folder);
        var path = Path.Combine(Folder, name + ".txt");
        var temporary = Path.Combine(Folder, $".{name}-{Guid.NewGuid():N}.tmp");
        File.WriteAllText(temporary, corpus.Text);
        try { File.Move(temporary, path, overwrite: false); }
        catch (IOException) when (File.Exists(path)) { throw new CorpusException(TakenMessage(name)); }    // taken meanwhile
        finally { if (File.Exists(temporary)) File.Delete(temporary); }
        return Info(corpus, builtIn: false);
    }

    private string PathOf(string name)
    {
        if (!IsSafeName(name)) throw new CorpusException($"'{name}' is not a corpus name.");
        if (Folder is null) throw new CorpusException($"Unknown corpus '{name}'.");
        var path = Path.Combine(Folder, name + ".txt");
        if (!File.Exists(path)) throw new CorpusException($"Unknown corpus '{name}'. Known: {string.Join(", ", List().Select(c => c.Name))}.");
        return path;
    }

    private static CorpusInfo Info(TextCorpus c, bool builtIn) =>
        new(c.Name, c.Description, c.Lines, c.Text.Length, c.Tokenizer.Size, c.EntropyFloor, builtIn);
}
