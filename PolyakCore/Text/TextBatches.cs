using static TorchSharp.torch;

namespace PolyakCore.Text;

/// <summary>Random windows of <c>block</c> characters from a token stream: inputs and the same window shifted by one.</summary>
internal sealed class TextBatches : IDisposable
{
    private readonly Tensor _data;
    private readonly Tensor _offsets;
    private readonly Random _random;
    private readonly int _block, _batch, _last;

    public TextBatches(long[] ids, int block, int batch, int seed)
    {
        if (ids.Length < block + 2) throw new CorpusException($"The text ({ids.Length} characters) is shorter than the context of {block} + 1.");
        _data = tensor(ids);
        _offsets = arange(block, dtype: ScalarType.Int64);
        _random = new Random(seed);
        _block = block;
        _batch = batch;
        _last = ids.Length - block - 1;
    }

    /// <summary>A batch (x, y) of shape (batch, block), y one character ahead of x.</summary>
    public (Tensor X, Tensor Y) Next()
    {
        var starts = new long[_batch];
        for (int i = 0; i < _batch; i++) starts[i] = _random.NextInt64(0, _last + 1);
        var index = tensor(starts).unsqueeze(1) + _offsets;                       // (batch, block)
        var x = _data.index_select(0, index.view(-1)).view(_batch, _block);
        var y = _data.index_select(0, (index + 1).view(-1)).view(_batch, _block);
        return (x, y);
    }

    public void Dispose()
    {
        _data.Dispose();
        _offsets.Dispose();
    }
}
