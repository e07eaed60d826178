using System.Runtime.CompilerServices;
using PolyakCore.Problems;

namespace PolyakCore.Training;

/// <summary>Which points each mini-batch holds: a fresh seeded permutation every epoch, cut into
/// consecutive batches, the last one smaller when the batch size does not divide the data (as
/// PyTorch's DataLoader with shuffle=True, drop_last=False).</summary>
public sealed class BatchSchedule
{
    private readonly int _seed;
    // Made at the first epoch: the batched engine draws one schedule per seed and reads the others' batch sizes only (a
    // 20-seed 1b grid's 480 rows allocated 480 permutations and generators, 400 of them never used).
    private SeededRandom? _random;
    private int[]? _permutation;
    private int _epoch = -1;

    public BatchSchedule(int seed, int count, int batchSize)
    {
        if (batchSize < 1 || batchSize > count) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"Invalid batch size: {batchSize}");
        _seed = seed;
        Count = count;
        BatchSize = batchSize;
        BatchesPerEpoch = (count + batchSize - 1) / batchSize;
    }

    public int BatchSize { get; }

    public int BatchesPerEpoch { get; }

    public int Count { get; }

    /// <summary>The permutation of the next epoch (epochs must be visited in order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int[] NextEpoch()
    {
        var permutation = _permutation ??= new int[Count];
        for (int i = 0; i < permutation.Length; i++) permutation[i] = i;
        (_random ??= SeededRandom.Stream(_seed, 2)).Shuffle(permutation);
        _epoch++;
        return permutation;
    }

    /// <summary>Start and length of batch <paramref name="index"/> within an epoch's permutation.</summary>
    public (int Start, int Length) Batch(int index)
    {
        int start = index * BatchSize;
        return (start, Math.Min(BatchSize, Count - start));
    }
}
