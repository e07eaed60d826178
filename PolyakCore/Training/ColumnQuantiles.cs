using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PolyakCore.Training;

/// <summary>The quantiles of four adjacent columns at once (steps t … t + 3 over the seeds): each seed's four values are one
/// vector (they lie side by side in its record), and a sorting network of vector min/max sorts the four columns in its
/// lanes.</summary>
/// <remarks>An ensemble sorts a column of seeds for every step of every configuration (100,000 columns of 20 for a 20-seed
/// 1b grid). Ranking a column by vector compares took ~140 ns; the network's 103 compare-exchanges for 20 seeds serve four
/// columns and branch on nothing: 45 ns a column (`bench/PolyakBench -- quantiles`). Equal values may swap places, which changes no
/// quantile (the formula reads values, not positions); a NaN has no place in a network, so such columns go the scalar way.</remarks>
internal static class ColumnQuantiles
{
    /// <summary>Seeds up to which the network is used (its size grows as n·log²n; a larger ensemble sorts each column).</summary>
    public const int MaxSeeds = 128;

    private static readonly ConcurrentDictionary<int, int[]> Networks = new();

    /// <summary>True where four columns at a time apply here: vector hardware and 2 to <see cref="MaxSeeds"/> seeds.</summary>
    public static bool Applies(int seeds) => seeds >= 2 && seeds <= MaxSeeds && Vector256.IsHardwareAccelerated;

    /// <summary>Batcher's odd–even merge sort for <paramref name="n"/> values as pairs (i, j), i &lt; j, of places to
    /// compare and exchange in order: the network for the next power of two, without the comparators that touch a place
    /// past n (padding that holds +∞ there is never moved by them, so dropping them sorts the first n all the same).</summary>
    public static int[] Network(int n) => Networks.GetOrAdd(n, static n =>
    {
        int size = 1;
        while (size < n) size <<= 1;
        var pairs = new List<int>();
        for (int p = 1; p < size; p <<= 1)
            for (int k = p; k >= 1; k >>= 1)
                for (int j = k % p; j + k < size; j += 2 * k)
                    for (int i = 0; i < k && i + j + k < size; i++)
                        if ((i + j) / (2 * p) == (i + j + k) / (2 * p) && i + j + k < n)
                            pairs.AddRange([i + j, i + j + k]);
        return [.. pairs];
    });

    /// <summary>Writes the 10 %, 50 % and 90 % quantiles of columns t … t + 3 (every seed has a value at each) into the
    /// series; false, writing nothing, when some value is NaN.</summary>
    /// <param name="work">One vector a seed.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool FillFour(ArraySegment<double>[] seeds, int t, int[] network, Span<Vector256<double>> work, SpreadSeries series)
    {
        int n = seeds.Length;
        var ordered = Vector256<long>.AllBitsSet;
        for (int i = 0; i < n; i++)
        {
            var seed = seeds[i];
            var values = Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(seed.Array!), (nuint)(seed.Offset + t));
            ordered &= Vector256.Equals(values, values).AsInt64();     // zero in a NaN's lane
            work[i] = values;
        }
        if (ordered != Vector256<long>.AllBitsSet) return false;      // (as integers: all bits set is a NaN as a double)
        ref var first = ref MemoryMarshal.GetReference(work);
        for (int c = 0; c < network.Length; c += 2)
        {
            ref var a = ref Unsafe.Add(ref first, network[c]);
            ref var b = ref Unsafe.Add(ref first, network[c + 1]);
            var low = Vector256.MinNative(a, b);
            b = Vector256.MaxNative(a, b);
            a = low;
        }
        Write(work, n, 0.1, series.P10, t);
        Write(work, n, 0.5, series.Median, t);
        Write(work, n, 0.9, series.P90, t);
        return true;
    }

    private static void Write(Span<Vector256<double>> sorted, int n, double q, double[] into, int t)
    {
        var (at, lo, hi) = Spread.Places(q, n);
        var (a, b) = (sorted[lo], sorted[hi]);
        for (int lane = 0; lane < 4; lane++) into[t + lane] = Spread.Between(a[lane], b[lane], at, lo, hi);
    }
}
