namespace PolyakCore.Problems;

/// <summary>Many rows' mini-batches as runs of consecutive points in stacked blocks of data, for problems that compute
/// batches straight from memory (<see cref="SmallProblem.HasStackedBatches"/>): row k's batch is points
/// <c>Begin .. Begin + Length</c> of the block of <see cref="Points"/> points whose first point is <c>Offsets[k]</c> in
/// <see cref="Inputs"/> (F doubles a point) and <see cref="Targets"/>. Rows may share a block.</summary>
internal readonly ref struct StackedBatch
{
    public StackedBatch(ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, int points, ReadOnlySpan<long> offsets,
        int begin, int length, double scale)
    {
        if (begin < 0 || length < 1 || begin + length > points) throw new ArgumentOutOfRangeException(nameof(length));
        foreach (long offset in offsets)
            if (offset < 0 || offset + points > targets.Length) throw new ArgumentOutOfRangeException(nameof(offsets));
        Inputs = inputs;
        Targets = targets;
        Offsets = offsets;
        (Points, Begin, Length, Scale) = (points, begin, length, scale);
    }

    /// <summary>The blocks' inputs, F doubles a point.</summary>
    public ReadOnlySpan<double> Inputs { get; }
    public ReadOnlySpan<double> Targets { get; }
    /// <summary>Points in a block.</summary>
    public int Points { get; }
    /// <summary>Per row, the first point of its block (checked to lie, with the whole block, inside the spans).</summary>
    public ReadOnlySpan<long> Offsets { get; }
    public int Begin { get; }
    public int Length { get; }
    /// <summary>1/B for the mean reduction, 1 for the sum.</summary>
    public double Scale { get; }
    public int Rows => Offsets.Length;
}
