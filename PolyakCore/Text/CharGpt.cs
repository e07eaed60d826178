using PolyakCore.Shared;
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
        var x = Dropouts.Apply(drop, wte.forward(idx).Plus(wpe.forward(positions)), training);
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
            p.copy_(values.Scale_(std));
        }
    }
}

/// <summary>One transformer block: x + attn(ln(x)), then x + mlp(ln(x)).</summary>
internal sealed class GptBlock : Module<Tensor, Tensor>
{
    private readonly LayerNorm ln_1, ln_2;
    private readonly CausalSelfAttention attn;
    private readonly Mlp mlp;

    public GptBlock(GptConfig config) : base(nameof(GptBlock))
    {
        ln_1 = LayerNorm(config.NEmbd);
        attn = new CausalSelfAttention(config);
        ln_2 = LayerNorm(config.NEmbd);
        mlp = new Mlp(config);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Forward(x, null);

    public Tensor Forward(Tensor x, LayerCache? cache)
    {
        x = x.Plus(attn.Forward(ln_1.forward(x), cache));
        return x.Plus(mlp.forward(ln_2.forward(x)));
    }
}

/// <summary>The position-wise MLP: Linear(C, 4C), GELU, Linear(4C, C), dropout.</summary>
internal sealed class Mlp : Module<Tensor, Tensor>
{
    private readonly Linear c_fc, c_proj;
    private readonly GELU gelu;
    private readonly Dropout dropout;

    public Mlp(GptConfig config) : base(nameof(Mlp))
    {
        c_fc = Linear(config.NEmbd, 4 * config.NEmbd);
        gelu = GELU();
        c_proj = Linear(4 * config.NEmbd, config.NEmbd);
        dropout = Dropout(config.Dropout);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Dropouts.Apply(dropout, c_proj.forward(gelu.forward(c_fc.forward(x))), training);
}

/// <summary>Dropout only while training: in eval mode the module would still cost a native call per use.</summary>
internal static class Dropouts
{
    public static Tensor Apply(Dropout dropout, Tensor x, bool training) => training ? dropout.forward(x) : x;
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
        // (B, T, 3C) -> (B, T, 3, h, d) -> (3, B, h, T, d): four ops where split and three view/transpose pairs take seven
        // (at batch 1 each op costs more than its arithmetic).
        var qkv = c_attn.forward(x).view(b, t, 3, _heads, c / _heads).permute(2, 0, 3, 1, 4).unbind(0);
        Tensor q = qkv[0], k = qkv[1], v = qkv[2];                                        // (B, h, T, d)

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
        // (B, h, T, d) -> (B, T, C); one new token (T = 1) is already in that order: a reshape, no transpose.
        y = t == 1 ? y.reshape(b, t, c) : y.transpose(1, 2).reshape(b, t, c);
        return Dropouts.Apply(resid_dropout, c_proj.forward(y), training);
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

    /// <remarks>Generation runs under no_grad, so the tensors carry no graph and need no detach (one op less each).</remarks>
    public (Tensor Keys, Tensor Values) Append(Tensor k, Tensor v)
    {
        var keys = Keys is null ? k : cat([Keys, k], 2);                                  // (B, h, past + T, d)
        var values = Values is null ? v : cat([Values, v], 2);
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
