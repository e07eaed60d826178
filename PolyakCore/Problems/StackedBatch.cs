namespace PolyakCore.Problems;

/// <summary>Many rows' mini-batches read in place from stacked blocks of data, for problems that compute batches straight
/// from memory (<see cref="SmallProblem.HasStackedBatches"/>). Row k's data is the block of <see cref="Points"/> points
/// whose first point is <c>Offsets[k]</c> in <see cref="Inputs"/> (F doubles a point) and <see cref="Targets"/>; its
/// batch is positions <c>Begin .. Begin + Length</c> of its order: the block's points as stored, or, with
/// <see cref="Orders"/>, the points <c>Orders[OrderOffsets[k] + Begin + j]</c> of the block (an epoch's permutation,
/// read where it lies rather than gathered into a copy first). Rows may share a block and an order.</summary>
internal readonly ref struct StackedBatch
{
    public StackedBatch(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, int points, ReadOnlySpan<long> offsets,
        int begin, int length, double scale)
        : this(inputs, targets, points, offsets, begin, length, scale, [], [])
    {
    }

    /// <param name="orders">Permutations of 0 .. points − 1, each the caller's to keep in range (they are not scanned
    /// each step); empty for points as stored.</param>
    /// <param name="orderOffsets">Per row, where its permutation starts in <paramref name="orders"/> (with orders only).</param>
    public StackedBatch(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, int points, ReadOnlySpan<long> offsets,
        int begin, int length, double scale, ReadOnlySpan<int> orders, ReadOnlySpan<long> orderOffsets)
    {
        if (begin < 0 || length < 1 || begin + length > points) throw new ArgumentOutOfRangeException(nameof(length));
        foreach (long offset in offsets)
            if (offset < 0 || offset + points > targets.Length) throw new ArgumentOutOfRangeException(nameof(offsets));
        if (!orders.IsEmpty)
        {
            if (orderOffsets.Length != offsets.Length) throw new ArgumentException("Each row needs its order's offset.", nameof(orderOffsets));
            foreach (long offset in orderOffsets)
                if (offset < 0 || offset + points > orders.Length) throw new ArgumentOutOfRangeException(nameof(orderOffsets));
        }
        Inputs = inputs;
        Targets = targets;
        Offsets = offsets;
        Orders = orders;
        OrderOffsets = orderOffsets;
        (Points, Begin, Length, Scale) = (points, begin, length, scale);
    }

    /// <summary>The blocks' inputs, F doubles a point.</summary>
    public ReadOnlySpan<double> Inputs { get; }
    public ReadOnlySpan<double> Targets { get; }
    /// <summary>Points in a block.</summary>
    public int Points { get; }
    /// <summary>Per row, the first point of its block (checked to lie, with the whole block, inside the spans).</summary>
    public ReadOnlySpan<long> Offsets { get; }
    /// <summary>The rows' permutations of their blocks, one after another; empty: points in stored order.</summary>
    public ReadOnlySpan<int> Orders { get; }
    /// <summary>Per row, its permutation's first position in <see cref="Orders"/>.</summary>
    public ReadOnlySpan<long> OrderOffsets { get; }
    public int Begin { get; }
    public int Length { get; }
    /// <summary>1/B for the mean reduction, 1 for the sum.</summary>
    public double Scale { get; }
    public int Rows => Offsets.Length;
}
