using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using PolyakCore.Shared;
using static TorchSharp.torch;

namespace PolyakCore.Problems;

/// <summary>Each row's mini-batch least-squares loss and gradient, r = X·θ − y, loss = scale·Σ r², ∇ = 2·scale·Xᵀr, as one
/// managed loop over the batch's points where they lie.</summary>
/// <remarks>Why not torch: a row's batch is a (1 × P)·(P × B) product with P of 2 to 6, which libtorch's bmm multiplies
/// row by row (an MKL call a row from B = 256 on), and the formula takes eight more ops of microseconds each; a 20-seed 1b
/// grid spent 17–50 ns a point there, this loop about one. The single-run trainer keeps autograd, which tests hold this
/// equal to.</remarks>
internal static class LeastSquaresBatch
{
    /// <summary>θ (K, P), inputs (K, B, P) and targets (K, B), float64, on the CPU and contiguous. Sizes are read one
    /// dimension at a time: TorchSharp's <c>shape</c> allocates a pinned array through a callback, a fifth of a step's time.</summary>
    public static bool Applies(Tensor theta, Tensor inputs, Tensor targets) =>
        inputs.dim() == 3 && theta.dim() == 2 && targets.dim() == 2
        && TensorMemory.IsReadable(theta) && TensorMemory.IsReadable(inputs) && TensorMemory.IsReadable(targets);

    public static (Tensor Loss, Tensor Gradient) Compute(Tensor theta, Tensor inputs, Tensor targets, double scale)
    {
        long k = theta.size(0), p = theta.size(1), b = inputs.size(1);
        if (inputs.size(0) != k || inputs.size(2) != p || targets.size(0) != k || targets.size(1) != b)
            throw new ArgumentException("Shapes must be θ (K, P), inputs (K, B, P), targets (K, B).");
        var loss = empty(k, float64);
        var gradient = empty(k, p, float64);
        var offsets = new long[k];
        for (int row = 0; row < k; row++) offsets[row] = row * b;       // row k's batch is a block of its own
        var batch = new StackedBatch(TensorMemory.Doubles(inputs), TensorMemory.Doubles(targets), (int)b, offsets, 0, (int)b, scale);
        Compute(TensorMemory.Doubles(theta), batch, TensorMemory.Doubles(loss), TensorMemory.Doubles(gradient));
        return (loss, gradient);
    }

    /// <summary>θ holds the rows' parameters (K·P), loss K values, gradient K·P.</summary>
    public static void Compute(ReadOnlySpan<double> theta, in StackedBatch batch, Span<double> loss, Span<double> gradient)
    {
        int k = batch.Rows;
        if (k == 0) return;
        int p = theta.Length / k;
        if (theta.Length != k * p || loss.Length != k || gradient.Length != k * p || batch.Inputs.Length != batch.Targets.Length * p)
            throw new ArgumentException("Shapes must be θ (K, P), loss (K), gradient (K, P), inputs P doubles a point.");
        if (batch.Orders.IsEmpty) Compute<Stored>(theta, batch, p, loss, gradient);
        else Compute<Permuted>(theta, batch, p, loss, gradient);
    }

    // Which point of the row's block is the batch's j-th: one loop body for both (a struct type argument: the JIT
    // compiles each case on its own, with the index inlined).
    private interface IPointOrder
    {
        static abstract int Point(ref int order, int j);
    }

    // Points as stored from the batch's first on (the order reference points at nothing).
    private readonly struct Stored : IPointOrder
    {
        public static int Point(ref int order, int j) => j;
    }

    // The j-th entry of the row's permutation from the batch's first position on: read in place, where gathering each
    // epoch's points into its order first cost more than the loop that reads them (a copy of every point of every order).
    private readonly struct Permuted : IPointOrder
    {
        public static int Point(ref int order, int j) => Unsafe.Add(ref order, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Compute<TOrder>(ReadOnlySpan<double> theta, in StackedBatch batch, int p, Span<double> loss, Span<double> gradient)
        where TOrder : struct, IPointOrder
    {
        ref double x = ref MemoryMarshal.GetReference(batch.Inputs), y = ref MemoryMarshal.GetReference(batch.Targets);
        ref int orders = ref MemoryMarshal.GetReference(batch.Orders);
        bool permuted = !batch.Orders.IsEmpty;
        for (int row = 0; row < batch.Rows; row++)
        {
            int sharing = p == 2 ? RowsSharingPoints(batch, row, permuted) : 1;
            if (sharing > 1)
            {
                long start = batch.Offsets[row] + (permuted ? 0 : batch.Begin);
                ref int shared = ref permuted ? ref Unsafe.Add(ref orders, (nint)(batch.OrderOffsets[row] + batch.Begin)) : ref orders;
                Rows2<TOrder>(theta, row, sharing, ref Unsafe.Add(ref x, (nint)(start * 2)), ref Unsafe.Add(ref y, (nint)start), ref shared,
                    batch.Length, batch.Scale, loss, gradient);
                row += sharing - 1;
                continue;
            }
            // The row's first point: its block's first when it reads a permutation, else the batch's. Its points lie inside
            // the spans (StackedBatch checked each block and permutation's place; a permutation's entries are below Points).
            long first = batch.Offsets[row] + (permuted ? 0 : batch.Begin);
            ref double rowX = ref Unsafe.Add(ref x, (nint)(first * p)), rowY = ref Unsafe.Add(ref y, (nint)first);
            ref int order = ref permuted ? ref Unsafe.Add(ref orders, (nint)(batch.OrderOffsets[row] + batch.Begin)) : ref orders;
            Span<double> sums = gradient.Slice(row * p, p);
            ReadOnlySpan<double> t = theta.Slice(row * p, p);
            double squares = p switch
            {
                2 => Row2<TOrder>(t[0], t[1], ref rowX, ref rowY, ref order, batch.Length, out sums[0], out sums[1]),
                3 => Row3<TOrder>(t[0], t[1], t[2], ref rowX, ref rowY, ref order, batch.Length, out sums[0], out sums[1], out sums[2]),
                _ => Row<TOrder>(t, ref rowX, ref rowY, ref order, batch.Length, sums),
            };
            loss[row] = batch.Scale * squares;
            foreach (ref double g in sums) g *= 2.0 * batch.Scale;
        }
    }

    // How many rows from this one on (up to a vector's four) read the same points: the same data block through the same
    // order (in a grid, every optimizer's seed i on one data draw).
    private static int RowsSharingPoints(in StackedBatch batch, int row, bool permuted)
    {
        if (!Vector256.IsHardwareAccelerated) return 1;
        int count = 1;
        while (count < Vector256<double>.Count && row + count < batch.Rows && batch.Offsets[row + count] == batch.Offsets[row]
               && (!permuted || batch.OrderOffsets[row + count] == batch.OrderOffsets[row]))
            count++;
        return count;
    }

    // Row2 for rows that read the same points, one row a vector lane: each point is read once for all of them. Each lane
    // does Row2's operations in Row2's order (no fused multiply-add, even and odd points apart), so a row's numbers are
    // the same whether it shares its points or not.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows2<TOrder>(ReadOnlySpan<double> theta, int row, int rows, ref double x, ref double y, ref int order, int length,
        double scale, Span<double> loss, Span<double> gradient)
        where TOrder : struct, IPointOrder
    {
        // Rows' θ as lanes (a lane past the rows computes with zeros and is not written back).
        ReadOnlySpan<double> t = theta.Slice(row * 2, rows * 2);
        Vector256<double> t0 = Vector256.Create(t[0], t[2], rows > 2 ? t[4] : 0, rows > 3 ? t[6] : 0),
            t1 = Vector256.Create(t[1], t[3], rows > 2 ? t[5] : 0, rows > 3 ? t[7] : 0);
        Vector256<double> squares = default, s0 = default, s1 = default, oddSquares = default, odd0 = default, odd1 = default;
        int j = 0;
        for (; j + 1 < length; j += 2)
        {
            int point = TOrder.Point(ref order, j), next = TOrder.Point(ref order, j + 1);
            var x0 = Vector256.Create(Unsafe.Add(ref x, 2 * point));
            var x1 = Vector256.Create(Unsafe.Add(ref x, 2 * point + 1));
            var u0 = Vector256.Create(Unsafe.Add(ref x, 2 * next));
            var u1 = Vector256.Create(Unsafe.Add(ref x, 2 * next + 1));
            var r = x0 * t0 + x1 * t1 - Vector256.Create(Unsafe.Add(ref y, point));
            var q = u0 * t0 + u1 * t1 - Vector256.Create(Unsafe.Add(ref y, next));
            squares += r * r;
            s0 += r * x0;
            s1 += r * x1;
            oddSquares += q * q;
            odd0 += q * u0;
            odd1 += q * u1;
        }
        if (j < length)
        {
            int point = TOrder.Point(ref order, j);
            var x0 = Vector256.Create(Unsafe.Add(ref x, 2 * point));
            var x1 = Vector256.Create(Unsafe.Add(ref x, 2 * point + 1));
            var r = x0 * t0 + x1 * t1 - Vector256.Create(Unsafe.Add(ref y, point));
            squares += r * r;
            s0 += r * x0;
            s1 += r * x1;
        }
        var twice = Vector256.Create(2.0 * scale);
        var (total, g0, g1) = (Vector256.Create(scale) * (squares + oddSquares), (s0 + odd0) * twice, (s1 + odd1) * twice);
        for (int lane = 0; lane < rows; lane++)
        {
            loss[row + lane] = total.GetElement(lane);
            gradient[(row + lane) * 2] = g0.GetElement(lane);
            gradient[(row + lane) * 2 + 1] = g1.GetElement(lane);
        }
    }

    // Σ r² over the row's points; Σ r·x into the gradient's sums. One small method per common P, the sums in registers:
    // about a nanosecond a point (the three cases in one method measured three times that). P = 2 (1a, 1b) sums even
    // and odd points apart: each sum is a chain of dependent additions, and with one chain a point waited for the last
    // point's addition (its latency, not the arithmetic, set the pace).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Row2<TOrder>(double t0, double t1, ref double x, ref double y, ref int order, int length, out double g0, out double g1)
        where TOrder : struct, IPointOrder
    {
        double squares = 0, s0 = 0, s1 = 0, oddSquares = 0, odd0 = 0, odd1 = 0;
        int j = 0;
        for (; j + 1 < length; j += 2)
        {
            int point = TOrder.Point(ref order, j), next = TOrder.Point(ref order, j + 1);
            double x0 = Unsafe.Add(ref x, 2 * point), x1 = Unsafe.Add(ref x, 2 * point + 1);
            double u0 = Unsafe.Add(ref x, 2 * next), u1 = Unsafe.Add(ref x, 2 * next + 1);
            double r = x0 * t0 + x1 * t1 - Unsafe.Add(ref y, point), q = u0 * t0 + u1 * t1 - Unsafe.Add(ref y, next);
            squares += r * r;
            s0 += r * x0;
            s1 += r * x1;
            oddSquares += q * q;
            odd0 += q * u0;
            odd1 += q * u1;
        }
        if (j < length)
        {
            int point = TOrder.Point(ref order, j);
            double x0 = Unsafe.Add(ref x, 2 * point), x1 = Unsafe.Add(ref x, 2 * point + 1);
            double r = x0 * t0 + x1 * t1 - Unsafe.Add(ref y, point);
            squares += r * r;
            s0 += r * x0;
            s1 += r * x1;
        }
        (g0, g1) = (s0 + odd0, s1 + odd1);
        return squares + oddSquares;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Row3<TOrder>(double t0, double t1, double t2, ref double x, ref double y, ref int order, int length,
        out double g0, out double g1, out double g2)
        where TOrder : struct, IPointOrder
    {
        double squares = 0, s0 = 0, s1 = 0, s2 = 0;
        for (int j = 0; j < length; j++)
        {
            int point = TOrder.Point(ref order, j);
            double x0 = Unsafe.Add(ref x, 3 * point), x1 = Unsafe.Add(ref x, 3 * point + 1), x2 = Unsafe.Add(ref x, 3 * point + 2);
            double r = x0 * t0 + x1 * t1 + x2 * t2 - Unsafe.Add(ref y, point);
            squares += r * r;
            s0 += r * x0;
            s1 += r * x1;
            s2 += r * x2;
        }
        (g0, g1, g2) = (s0, s1, s2);
        return squares;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Row<TOrder>(ReadOnlySpan<double> t, ref double x, ref double y, ref int order, int length, Span<double> sums)
        where TOrder : struct, IPointOrder
    {
        int p = t.Length;
        double squares = 0;
        sums.Clear();
        for (int j = 0; j < length; j++)
        {
            int at = TOrder.Point(ref order, j);
            ref double point = ref Unsafe.Add(ref x, at * p);
            double r = 0;
            for (int f = 0; f < p; f++) r += Unsafe.Add(ref point, f) * t[f];
            r -= Unsafe.Add(ref y, at);
            squares += r * r;
            for (int f = 0; f < p; f++) sums[f] += r * Unsafe.Add(ref point, f);
        }
        return squares;
    }
}
