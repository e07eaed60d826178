using System.Runtime.CompilerServices;
using PolyakCore.Problems;

namespace PolyakCore.Training;

/// <summary>Which points each mini-batch holds: a fresh seeded permutation every epoch, cut into
/// consecutive batches, the last one smaller when the batch size does not divide the data (as
/// PyTorch's DataLoader with shuffle=True, drop_last=False).</summary>
public sealed class BatchSchedule
{
    private readonly SeededRandom _random;
    private readonly int[] _permutation;
    private int _epoch = -1;

    public BatchSchedule(int seed, int count, int batchSize)
    {
        if (batchSize < 1 || batchSize > count) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"Invalid batch size: {batchSize}");
        _random = SeededRandom.Stream(seed, 2);
        _permutation = new int[count];
        BatchSize = batchSize;
        BatchesPerEpoch = (count + batchSize - 1) / batchSize;
    }

    public int BatchSize { get; }

    public int BatchesPerEpoch { get; }

    public int Count => _permutation.Length;

    /// <summary>The permutation of the next epoch (epochs must be visited in order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int[] NextEpoch()
    {
        for (int i = 0; i < _permutation.Length; i++) _permutation[i] = i;
        _random.Shuffle(_permutation);
        _epoch++;
        return _permutation;
    }

    /// <summary>Start and length of batch <paramref name="index"/> within an epoch's permutation.</summary>
    public (int Start, int Length) Batch(int index)
    {
        int start = index * BatchSize;
        return (start, Math.Min(BatchSize, Count - start));
    }
}
