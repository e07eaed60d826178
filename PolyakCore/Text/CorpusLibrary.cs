using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PolyakCore.Text;

/// <summary>What the corpus list shows.</summary>
/// <param name="Reference">Validation losses of character n-gram models on the corpus's split: the measured yardstick of a
/// corpus without a known generator (computed once, at upload), and for the built-in one a comparison with its floor.</param>
public sealed record CorpusInfo(string Name, string Description, int Lines, int Characters, int Vocabulary,
    double? EntropyFloor, bool BuiltIn, NGramReference? Reference = null);

/// <summary>The corpora a run can name: the built-in child-speech corpus and plain-text files in a folder
/// (uploads land there). Built corpora are cached: a grid of runs reads its file once.</summary>
public sealed partial class CorpusLibrary(string? folder, long maxBytes = CorpusLibrary.DefaultMaxBytes)
{
    public const long DefaultMaxBytes = 20L * 1024 * 1024;
    private readonly ConcurrentDictionary<string, Lazy<TextCorpus>> _cache = new();
    private readonly ConcurrentDictionary<string, Lazy<NGramReference>> _references = new();

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
        var list = new List<CorpusInfo> { Describe(ChildSpeechCorpus.Name) };
        if (Folder is null || !Directory.Exists(Folder)) return list;
        foreach (var file in Directory.EnumerateFiles(Folder, "*.txt").Order())
        {
            try { list.Add(Describe(Path.GetFileNameWithoutExtension(file))); }
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
        return Info(corpus, builtIn: false, ReferenceOf(name, corpus));      // counted now, once: later lists read it back
    }

    /// <summary>A corpus as the list shows it, with its n-gram reference (the built-in one with <paramref name="generator"/>).</summary>
    public CorpusInfo Describe(string name, int seed = 0, ChildSpeechGenerator? generator = null)
    {
        var corpus = Get(name, seed, generator);
        bool builtIn = name == ChildSpeechCorpus.Name;
        return Info(corpus, builtIn, builtIn
            ? _references.GetOrAdd($"{seed}#{(generator ?? ChildSpeechGenerator.Default).Key()}", _ => new(() => NGramReference.Of(corpus))).Value
            : ReferenceOf(name, corpus));
    }

    // Uploads keep theirs beside the text (name.reference.json), so it is counted once per corpus, not per server start.
    private NGramReference ReferenceOf(string name, TextCorpus corpus)
    {
        var path = Path.Combine(Folder!, name + ".reference.json");
        var key = $"{name}@{File.GetLastWriteTimeUtc(Path.Combine(Folder!, name + ".txt")).Ticks}";
        return _references.GetOrAdd(key, _ => new(() =>
        {
            try
            {
                if (File.Exists(path) && File.GetLastWriteTimeUtc(path) >= File.GetLastWriteTimeUtc(Path.Combine(Folder!, name + ".txt"))
                    && JsonSerializer.Deserialize<NGramReference>(File.ReadAllText(path), JsonOptions) is { Losses.Count: > 0 } stored)
                    return stored;
            }
            catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException) { }
            var reference = NGramReference.Of(corpus);
            try
            {
                var temporary = path + $".{Guid.NewGuid():N}.tmp";
                File.WriteAllText(temporary, JsonSerializer.Serialize(reference, JsonOptions));
                File.Move(temporary, path, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }     // recounted next time
            return reference;
        })).Value;
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private string PathOf(string name)
    {
        if (!IsSafeName(name)) throw new CorpusException($"'{name}' is not a corpus name.");
        if (Folder is null) throw new CorpusException($"Unknown corpus '{name}'.");
        var path = Path.Combine(Folder, name + ".txt");
        if (!File.Exists(path)) throw new CorpusException($"Unknown corpus '{name}'. Known: {string.Join(", ", List().Select(c => c.Name))}.");
        return path;
    }

    private static CorpusInfo Info(TextCorpus c, bool builtIn, NGramReference? reference = null) =>
        new(c.Name, c.Description, c.Lines, c.Text.Length, c.Tokenizer.Size, c.EntropyFloor, builtIn, reference);
}
