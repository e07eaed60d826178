using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PolyakCore.Shared;
using static TorchSharp.torch;

namespace PolyakCore.Problems;

/// <summary>Each row's mini-batch least-squares loss and gradient, r = X·θ − y, loss = scale·Σ r², ∇ = 2·scale·Xᵀr, as one
/// managed loop over the batch's memory.</summary>
/// <remarks>Why not torch: a row's batch is a (1 × P)·(P × B) product with P = 2 or 3, which libtorch's bmm multiplies
/// row by row (an MKL call a row from B = 256 on), and the formula takes eight more ops of microseconds each; a 20-seed 1b
/// grid spent 17–50 ns a point there, this loop ~1. The batched engine's rows only (the single-run trainer keeps autograd,
/// which tests hold this equal to).</remarks>
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
        Compute(TensorMemory.Doubles(theta), TensorMemory.Doubles(inputs), TensorMemory.Doubles(targets), (int)p, (int)b, scale,
            TensorMemory.Doubles(loss), TensorMemory.Doubles(gradient));
        return (loss, gradient);
    }

    internal static void Compute(ReadOnlySpan<double> theta, ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, int p, int b,
        double scale, Span<double> loss, Span<double> gradient)
    {
        int k = loss.Length;
        if (theta.Length != k * p || inputs.Length != k * b * p || targets.Length != k * b || gradient.Length != k * p)
            throw new ArgumentException("Shapes must be θ (K, P), inputs (K, B, P), targets (K, B).");
        // Unchecked reads within the slices, whose lengths were checked above. One loop per common P: with the sums in
        // registers a point costs about a nanosecond, against five through a span of sums.
        ref double t = ref MemoryMarshal.GetReference(theta), x = ref MemoryMarshal.GetReference(inputs), y = ref MemoryMarshal.GetReference(targets);
        for (int row = 0; row < k; row++)
        {
            ref double rowT = ref Unsafe.Add(ref t, row * p), rowX = ref Unsafe.Add(ref x, row * b * p), rowY = ref Unsafe.Add(ref y, row * b);
            var sums = gradient.Slice(row * p, p);
            loss[row] = scale * (p switch
            {
                2 => RowOf2(ref rowT, ref rowX, ref rowY, b, sums),
                3 => RowOf3(ref rowT, ref rowX, ref rowY, b, sums),
                _ => Row(ref rowT, ref rowX, ref rowY, b, sums),
            });
            foreach (ref double g in sums) g *= 2.0 * scale;
        }
    }

    // Σ r² over the row's points; Σ r·x into sums.
    private static double RowOf2(ref double t, ref double x, ref double y, int b, Span<double> sums)
    {
        double t0 = t, t1 = Unsafe.Add(ref t, 1), g0 = 0, g1 = 0, squares = 0;
        for (int j = 0; j < b; j++)
        {
            double x0 = Unsafe.Add(ref x, 2 * j), x1 = Unsafe.Add(ref x, 2 * j + 1);
            double r = x0 * t0 + x1 * t1 - Unsafe.Add(ref y, j);
            squares += r * r;
            g0 += r * x0;
            g1 += r * x1;
        }
        (sums[0], sums[1]) = (g0, g1);
        return squares;
    }

    private static double RowOf3(ref double t, ref double x, ref double y, int b, Span<double> sums)
    {
        double t0 = t, t1 = Unsafe.Add(ref t, 1), t2 = Unsafe.Add(ref t, 2), g0 = 0, g1 = 0, g2 = 0, squares = 0;
        for (int j = 0; j < b; j++)
        {
            double x0 = Unsafe.Add(ref x, 3 * j), x1 = Unsafe.Add(ref x, 3 * j + 1), x2 = Unsafe.Add(ref x, 3 * j + 2);
            double r = x0 * t0 + x1 * t1 + x2 * t2 - Unsafe.Add(ref y, j);
            squares += r * r;
            g0 += r * x0;
            g1 += r * x1;
            g2 += r * x2;
        }
        (sums[0], sums[1], sums[2]) = (g0, g1, g2);
        return squares;
    }

    private static double Row(ref double t, ref double x, ref double y, int b, Span<double> sums)
    {
        int p = sums.Length;
        double squares = 0;
        sums.Clear();
        for (int j = 0; j < b; j++)
        {
            ref double point = ref Unsafe.Add(ref x, j * p);
            double r = 0;
            for (int f = 0; f < p; f++) r += Unsafe.Add(ref point, f) * Unsafe.Add(ref t, f);
            r -= Unsafe.Add(ref y, j);
            squares += r * r;
            for (int f = 0; f < p; f++) sums[f] += r * Unsafe.Add(ref point, f);
        }
        return squares;
    }
}
