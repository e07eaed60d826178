using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace PolyakCore.Text;

/// <summary>One generated character: where it sits, how likely the model found it, and (on request) the likeliest
/// characters the model offered at that position.</summary>
/// <param name="Probability">The model's own probability of this character (temperature 1, before top-k/top-p).</param>
/// <param name="Top">The likeliest characters at this position, same scale; null unless asked for.</param>
public sealed record SampledCharacter(int Sample, int Position, char Character, double Probability, IReadOnlyList<CharProbability>? Top);

public enum FinishReason { Length, EndOfLine, Cancelled }

/// <summary>A finished sample. <paramref name="Characters"/> is filled only when top candidates were asked for.</summary>
public sealed record GeneratedSample(int Index, string Prompt, string Text, FinishReason Finish, IReadOnlyList<SampledCharacter>? Characters);

/// <summary>Samples text from a character model, one character at a time, streaming each as it is drawn.</summary>
/// <remarks>
/// Per character: one forward pass of the new character with the KV cache (no_grad, one dispose scope), the last
/// position's logits copied to a float[], and temperature, top-k, top-p and the draw done in C# with a
/// <see cref="Random"/> of the sample's own — never torch's global generator, which training threads share.
/// <para><b>The context window.</b> The model sees at most <c>Block</c> characters. When the next character would not
/// fit, the window jumps forward to keep the last <c>Block/2</c> characters and the cache is refilled from them (one
/// forward over Block/2 characters, once every Block/2 new characters): the model always sees between Block/2 and Block
/// characters of context. The no-cache path (<see cref="SamplingSettings.UseCache"/> false) recomputes exactly the same
/// window at every step, so both paths give the same logits and, with the same seed, the same text. (nanoGPT's sampler
/// instead slides by one and sees the last Block characters; with a cache that would mean recomputing the whole block
/// for every character.)</para>
/// Not thread-safe: a stream belongs to one thread; the model may be shared by streams on several threads (eval mode).
/// </remarks>
public sealed class TextSampler
{
    public TextSampler(CharGpt model, CharTokenizer tokenizer, SamplingLimits? limits = null)
    {
        if (model.Config.VocabSize != tokenizer.Size)
            throw new ArgumentException($"The model has {model.Config.VocabSize} outputs but the tokenizer {tokenizer.Size} characters.", nameof(tokenizer));
        Model = model;
        Tokenizer = tokenizer;
        Limits = limits ?? new SamplingLimits();
        if (model.training) model.eval();                 // dropout would draw from the global generator
    }

    public CharGpt Model { get; }
    public CharTokenizer Tokenizer { get; }
    public SamplingLimits Limits { get; }

    public TextSampler(LoadedCheckpoint checkpoint, SamplingLimits? limits = null) : this(checkpoint.Model, checkpoint.Tokenizer, limits) { }

    /// <summary>Starts sample <paramref name="sample"/>: validates the settings and reads the prompt (the prefill).</summary>
    public SampleStream Start(SamplingSettings settings, int sample = 0)
    {
        SamplingValidation.EnsureValid(settings, Limits, Tokenizer);
        return new SampleStream(this, settings, sample);
    }

    /// <summary>Every sample of <paramref name="settings"/>, one after another; <paramref name="onCharacter"/> sees each
    /// character as it is drawn. Cancelling ends the current sample early (<see cref="FinishReason.Cancelled"/>).</summary>
    public IReadOnlyList<GeneratedSample> Generate(SamplingSettings settings, Action<SampledCharacter>? onCharacter = null, CancellationToken cancel = default) =>
        GenerateSideBySide([this], settings, onCharacter is null ? null : (_, c) => onCharacter(c), cancel)[0];

    /// <summary>The same settings and seeds on several models at once, one character of each in turn (so they stream
    /// side by side), on the calling thread. Returns each model's samples.</summary>
    public static IReadOnlyList<IReadOnlyList<GeneratedSample>> GenerateSideBySide(IReadOnlyList<TextSampler> samplers, SamplingSettings settings,
        Action<int, SampledCharacter>? onCharacter = null, CancellationToken cancel = default)
    {
        foreach (var s in samplers) SamplingValidation.EnsureValid(settings, s.Limits, s.Tokenizer);
        var results = samplers.Select(_ => new List<GeneratedSample>()).ToArray();
        var streams = new SampleStream?[samplers.Count];
        try
        {
            bool any = true;
            while (any)
            {
                any = false;
                for (int m = 0; m < samplers.Count; m++)
                {
                    if (streams[m] is null && results[m].Count < settings.Samples && !cancel.IsCancellationRequested)
                        streams[m] = samplers[m].Start(settings, results[m].Count);
                    if (streams[m] is not { } stream) continue;
                    any = true;
                    if (cancel.IsCancellationRequested) stream.Cancel();
                    else if (stream.Next() is { } c) onCharacter?.Invoke(m, c);
                    if (stream.Finish is not null)
                    {
                        results[m].Add(stream.Result());
                        stream.Dispose();
                        streams[m] = null;
                    }
                }
            }
        }
        finally
        {
            foreach (var s in streams) s?.Dispose();
        }
        return results;
    }

    /// <summary>The random stream of sample <paramref name="sample"/> under <paramref name="seed"/> (SplitMix64 of both),
    /// so sample 1 of seed 0 is not sample 0 of seed 1.</summary>
    internal static Random RandomFor(int seed, int sample)
    {
        ulong z = ((ulong)(uint)seed << 32 | (uint)sample) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return new Random((int)((z ^ (z >> 31)) & 0x7FFFFFFF));
    }
}

/// <summary>One sample being generated; owns its KV cache.</summary>
public sealed class SampleStream : IDisposable
{
    private readonly TextSampler _sampler;
    private readonly SamplingSettings _settings;
    private readonly Random _random;
    private readonly List<long> _tokens;              // the whole context: line start, prompt, generated characters
    private readonly StringBuilder _text = new();
    private readonly List<SampledCharacter>? _characters;
    private readonly int _block;
    private KvCache? _cache;
    private int _windowStart;                          // first token the model sees

    internal SampleStream(TextSampler sampler, SamplingSettings settings, int sample)
    {
        _sampler = sampler;
        _settings = settings;
        Sample = sample;
        _random = TextSampler.RandomFor(settings.Seed, sample);
        _block = sampler.Model.Config.Block;
        var tokenizer = sampler.Tokenizer;
        // Start of a line: "\n" before the prompt (unless it has one), when the vocabulary has it.
        string context = tokenizer.Knows('\n') && !settings.Prompt.StartsWith('\n') ? "\n" + settings.Prompt : settings.Prompt;
        _tokens = [.. tokenizer.Encode(context)];
        _windowStart = Math.Max(0, _tokens.Count - _block);
        if (settings.TopCandidates > 0) _characters = [];
        if (settings.UseCache) _cache = sampler.Model.NewCache();
        Logits = Compute(prefill: true);
    }

    public int Sample { get; }

    /// <summary>The logits of the next character (before temperature), from the context the model sees now.</summary>
    public float[] Logits { get; private set; }

    /// <summary>Characters the model sees now (the window); between Block/2 and Block once the block has filled.</summary>
    public int ContextLength => _tokens.Count - _windowStart;

    /// <summary>The generated text so far (without the prompt).</summary>
    public string Text => _text.ToString();

    /// <summary>Null while generating.</summary>
    public FinishReason? Finish { get; private set; }

    /// <summary>Draws the next character and, unless that ends the sample, computes the logits after it. Null when the
    /// sample has ended (an end of line under stop-at-end-of-line is not returned).</summary>
    public SampledCharacter? Next()
    {
        if (Finish is not null) return null;
        var model = SamplingMath.Softmax(Logits);
        var p = _settings.Temperature == 1.0 ? (double[])model.Clone() : SamplingMath.Softmax(Logits, _settings.Temperature);
        SamplingMath.Filter(p, _settings.TopK, _settings.TopP);
        int id = SamplingMath.Draw(p, _random.NextDouble());
        char c = _sampler.Tokenizer.Decode(id);
        if (c == '\n' && _settings.StopAtEndOfLine)
        {
            Finish = FinishReason.EndOfLine;
            return null;
        }
        var top = _settings.TopCandidates > 0 ? SamplingMath.Top(model, _settings.TopCandidates, _sampler.Tokenizer) : null;
        var sampled = new SampledCharacter(Sample, _text.Length, c, model[id], top);
        _characters?.Add(sampled);
        _text.Append(c);
        _tokens.Add(id);
        if (_text.Length >= _settings.MaxNewCharacters) Finish = FinishReason.Length;   // no forward for a character never drawn
        else Advance();
        return sampled;
    }

    /// <summary>Ends the sample where it is.</summary>
    public void Cancel() => Finish ??= FinishReason.Cancelled;

    public GeneratedSample Result() => new(Sample, _settings.Prompt, Text, Finish ?? FinishReason.Cancelled, _characters);

    public void Dispose()
    {
        _cache?.Dispose();
        _cache = null;
    }

    /// <summary>Takes in the character just added: slides the window if it no longer fits, then new logits.</summary>
    private void Advance()
    {
        bool slid = false;
        if (_tokens.Count - _windowStart > _block)
        {
            _windowStart = _tokens.Count - Math.Max(1, _block / 2);
            slid = true;
        }
        Logits = Compute(prefill: slid);
    }

    /// <summary>Logits after the current window. With the cache: the whole window on a prefill (fresh cache), else
    /// only the newest character. Without: the whole window, every time.</summary>
    private float[] Compute(bool prefill)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long[] ids;
        if (_cache is null || prefill)
        {
            ids = [.. _tokens.Skip(_windowStart)];
            if (_cache is not null) { _cache.Dispose(); _cache = _sampler.Model.NewCache(); }
        }
        else ids = [_tokens[^1]];
        var idx = tensor(ids, [1, ids.Length]);                      // (1, T)
        var logits = _sampler.Model.Forward(idx, _cache);            // (1, T, vocab)
        // The last position's row, read straight from the contiguous (1, T, vocab) output: no indexing ops.
        int vocab = (int)logits.shape[2];
        var all = logits.data<float>();
        var row = new float[vocab];
        for (int i = 0; i < vocab; i++) row[i] = all[(ids.Length - 1L) * vocab + i];
        return row;
    }
}
