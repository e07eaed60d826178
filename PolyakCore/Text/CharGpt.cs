using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace PolyakCore.Text;

/// <summary>A decoder-only character transformer, written as plainly as nanoGPT's model.py: token and position
/// embeddings, pre-LayerNorm blocks of causal self-attention and a 4× MLP, a final LayerNorm and a linear head.</summary>
public sealed class CharGpt : Module<Tensor, Tensor>
{
    private readonly Embedding wte, wpe;
    private readonly Dropout drop;
    private readonly ModuleList<GptBlock> blocks;
    private readonly LayerNorm ln_f;
    private readonly Linear lm_head;

    /// <param name="seed">Seeds the initial weights with a generator of their own, so runs on other threads
    /// (which share torch's global generator) cannot change them; null draws from the global generator.</param>
    public CharGpt(GptConfig config, long? seed = null) : base(nameof(CharGpt))
    {
        Config = config;
        wte = Embedding(config.VocabSize, config.NEmbd);
        wpe = Embedding(config.Block, config.NEmbd);
        drop = Dropout(config.Dropout);
        blocks = new ModuleList<GptBlock>([.. Enumerable.Range(0, config.NLayer).Select(_ => new GptBlock(config))]);
        ln_f = LayerNorm(config.NEmbd);
        lm_head = Linear(config.NEmbd, config.VocabSize);
        RegisterComponents();
        InitWeights(seed);
    }

    public GptConfig Config { get; }

    /// <summary>Logits (B, T, vocab) for token ids (B, T), T ≤ block.</summary>
    public override Tensor forward(Tensor idx) => Forward(idx, null);

    /// <summary>With a cache, <paramref name="idx"/> holds only the new tokens; their keys and values are appended
    /// to the cache and they attend to everything before them.</summary>
    public Tensor Forward(Tensor idx, KvCache? cache)
    {
        long t = idx.shape[1], past = cache?.Length ?? 0;
        if (past + t > Config.Block)
            throw new ArgumentException($"The context is {past + t} characters; this model sees at most {Config.Block}.", nameof(idx));
        using var positions = arange(past, past + t, dtype: ScalarType.Int64);
        var x = drop.forward(wte.forward(idx) + wpe.forward(positions));
        for (int i = 0; i < blocks.Count; i++) x = blocks[i].Forward(x, cache?.Layer(i));
        if (cache is not null) cache.Length += t;
        return lm_head.forward(ln_f.forward(x));
    }

    /// <summary>Mean cross-entropy (nats per character) of predicting <paramref name="targets"/> from <paramref name="idx"/>.</summary>
    public Tensor Loss(Tensor idx, Tensor targets)
    {
        var logits = forward(idx);
        return F.cross_entropy(logits.view(-1, logits.shape[2]), targets.view(-1));
    }

    public KvCache NewCache() => new(Config.NLayer);

    // GPT-2's initialisation: N(0, 0.02) weights, zero biases, and the residual projections scaled by 1/√(2·layers)
    // so the residual stream does not grow with depth.
    private void InitWeights(long? seed)
    {
        using var noGrad = no_grad();
        using var generator = seed is { } s ? new Generator((ulong)s) : null;
        foreach (var (name, p) in named_parameters())
        {
            if (name.Contains("ln")) continue;                          // LayerNorm: weight 1, bias 0
            if (name.EndsWith("bias")) { p.zero_(); continue; }
            double std = name.EndsWith("c_proj.weight") ? 0.02 / Math.Sqrt(2.0 * Config.NLayer) : 0.02;
            using var values = randn(p.shape, dtype: p.dtype, generator: generator);   // init.normal_ ignores a generator here
            p.copy_(values.mul_(std));
        }
    }
}

/// <summary>One transformer block: x + attn(ln(x)), then x + mlp(ln(x)).</summary>
internal sealed class GptBlock : Module<Tensor, Tensor>
{
    private readonly LayerNorm ln_1, ln_2;
    private readonly CausalSelfAttention attn;
    private readonly Sequential mlp;

    public GptBlock(GptConfig config) : base(nameof(GptBlock))
    {
        ln_1 = LayerNorm(config.NEmbd);
        attn = new CausalSelfAttention(config);
        ln_2 = LayerNorm(config.NEmbd);
        mlp = Sequential(
            ("c_fc", Linear(config.NEmbd, 4 * config.NEmbd)),
            ("gelu", GELU()),
            ("c_proj", Linear(4 * config.NEmbd, config.NEmbd)),
            ("dropout", Dropout(config.Dropout)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Forward(x, null);

    public Tensor Forward(Tensor x, LayerCache? cache)
    {
        x = x + attn.Forward(ln_1.forward(x), cache);
        return x + mlp.forward(ln_2.forward(x));
    }
}

/// <summary>Multi-head self-attention where a position sees only itself and earlier positions.</summary>
internal sealed class CausalSelfAttention : Module<Tensor, Tensor>
{
    private readonly Linear c_attn, c_proj;
    private readonly Dropout resid_dropout;
    private readonly int _heads;
    private readonly double _dropout;

    public CausalSelfAttention(GptConfig config) : base(nameof(CausalSelfAttention))
    {
        if (config.NEmbd % config.NHead != 0) throw new ArgumentException("The width must be a multiple of the number of heads.");
        c_attn = Linear(config.NEmbd, 3 * config.NEmbd);
        c_proj = Linear(config.NEmbd, config.NEmbd);
        resid_dropout = Dropout(config.Dropout);
        _heads = config.NHead;
        _dropout = config.Dropout;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Forward(x, null);

    public Tensor Forward(Tensor x, LayerCache? cache)
    {
        long b = x.shape[0], t = x.shape[1], c = x.shape[2];
        var qkv = c_attn.forward(x).split(c, 2);
        Tensor Heads(Tensor z) => z.view(b, t, _heads, c / _heads).transpose(1, 2);   // (B, h, T, d)
        Tensor q = Heads(qkv[0]), k = Heads(qkv[1]), v = Heads(qkv[2]);

        long past = cache?.Keys?.shape[2] ?? 0;
        if (cache is not null) (k, v) = cache.Append(k, v);
        double p = training ? _dropout : 0.0;
        Tensor y;
        if (past == 0) y = F.scaled_dot_product_attention(q, k, v, p: p, is_casual: true);
        else if (t == 1) y = F.scaled_dot_product_attention(q, k, v, p: p);              // the new token sees everything cached
        else
        {
            // New query i sits at position past + i and sees keys 0 … past + i.
            using var mask = ones(t, past + t, dtype: ScalarType.Bool).tril(past);
            y = F.scaled_dot_product_attention(q, k, v, mask, p: p);
        }
        y = y.transpose(1, 2).contiguous().view(b, t, c);
        return resid_dropout.forward(c_proj.forward(y));
    }
}

/// <summary>Keys and values of every layer for the characters seen so far, so generation computes only the new one.</summary>
public sealed class KvCache : IDisposable
{
    private readonly LayerCache[] _layers;

    internal KvCache(int layers) => _layers = [.. Enumerable.Range(0, layers).Select(_ => new LayerCache())];

    /// <summary>Characters cached.</summary>
    public long Length { get; internal set; }

    internal LayerCache Layer(int i) => _layers[i];

    public void Dispose()
    {
        foreach (var layer in _layers) layer.Dispose();
        Length = 0;
    }
}

internal sealed class LayerCache : IDisposable
{
    public Tensor? Keys { get; private set; }
    public Tensor? Values { get; private set; }

    public (Tensor Keys, Tensor Values) Append(Tensor k, Tensor v)
    {
        var keys = Keys is null ? k.detach() : cat([Keys, k.detach()], 2);
        var values = Values is null ? v.detach() : cat([Values, v.detach()], 2);
        Keys?.Dispose(); Values?.Dispose();
        Keys = keys.DetachFromDisposeScope();        // the cache owns these; it outlives any step scope
        Values = values.DetachFromDisposeScope();
        return (Keys, Values);
    }

    public void Dispose()
    {
        Keys?.Dispose(); Values?.Dispose();
        Keys = Values = null;
    }
}
