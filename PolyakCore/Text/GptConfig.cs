namespace PolyakCore.Text;

/// <summary>Sizes of a character GPT.</summary>
/// <param name="Block">Context length: the model sees at most this many characters.</param>
public sealed record GptConfig(int VocabSize, int NEmbd, int NHead, int NLayer, int Block, double Dropout)
{
    /// <summary>Trainable parameters: embeddings, per block 2 LayerNorms + attention (qkv, proj) + 4× MLP, final LayerNorm, head.</summary>
    /// <remarks>Computed in 128 bits and capped at <see cref="long.MaxValue"/>: sizes read from a file can be anything,
    /// and a count that wrapped round to a small number would pass every limit.</remarks>
    public long ParameterCount
    {
        get
        {
            Int128 e = NEmbd, v = VocabSize;
            Int128 block = 2 * 2 * e + (3 * e * e + 3 * e) + (e * e + e) + (4 * e * e + 4 * e) + (4 * e * e + e);
            Int128 count = v * e + (Int128)Block * e + NLayer * block + 2 * e + (e * v + v);
            return count > long.MaxValue ? long.MaxValue : count < long.MinValue ? long.MinValue : (long)count;
        }
    }
}

/// <summary>Named sizes: <c>tiny</c> learns the child-speech corpus in minutes on a 2-core CPU, <c>report</c> is the
/// report's 384/6/6 model with a 256-character context (~10.8M parameters, 13–16 s a batch-64 step on 2 cores).</summary>
public sealed record GptPreset(string Name, int NEmbd, int NHead, int NLayer, int Block, double Dropout, string Description)
{
    public const string Tiny = "tiny", Small = "small", Report = "report";

    public static IReadOnlyList<GptPreset> All { get; } =
    [
        new(Tiny, 96, 4, 3, 128, 0.0, "96-dim, 4 heads, 3 layers, 128-character context: learns the corpus in minutes on a laptop CPU"),
        new(Small, 128, 4, 4, 128, 0.1, "128-dim, 4 heads, 4 layers, 128-character context: a few times slower than tiny"),
        new(Report, 384, 6, 6, 256, 0.2, "the report's model: 384-dim, 6 heads, 6 layers, 256-character context (hours per epoch on a CPU)"),
    ];

    public static GptPreset? Find(string? name) => All.FirstOrDefault(p => p.Name == name);
}
