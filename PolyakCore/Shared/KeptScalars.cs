using TorchSharp;
using static TorchSharp.torch;

namespace PolyakCore.Shared;

/// <summary>Tensor ops with a number operand whose Scalar stays alive until libtorch has returned.</summary>
/// <remarks>TorchSharp 0.107 turns a number into a <see cref="Scalar"/> whose finalizer frees the native value, and hands
/// libtorch only the handle: from that read on the Scalar is unreachable, so a garbage collection during the op (another
/// thread allocating is enough) can free it mid-call, and libtorch reads freed memory ("INTERNAL ASSERT FAILED at
/// c10/core/Scalar.h" from pow, seen as soon as batched runs went parallel). Upstream: dotnet/TorchSharp PRs #1434 and
/// #1496 (open). The hot paths of the optimizers, problems and engines use these: <c>using</c> keeps the Scalar
/// reachable until after the op, and <see cref="Squared"/> needs none. A tensor sum needs one too: TorchSharp's add(Tensor)
/// and its + operator pass a temporary Scalar 1 as alpha (an ensemble crashed at Scalar.h in a two-well sum and a
/// closed-form loss's add_); <see cref="Plus"/> passes a Scalar that lives as long as the process.</remarks>
public static class KeptScalars
{
    private static readonly Scalar One = 1.ToScalar();      // rooted by the static field: never finalized

    /// <summary>x + other, a new tensor.</summary>
    public static Tensor Plus(this Tensor x, Tensor other) => x.add(other, One);

    /// <summary>x ← x + other.</summary>
    public static Tensor Plus_(this Tensor x, Tensor other) => x.add_(other, One);

    /// <summary>x², as x·x (TorchSharp's square() is pow with a temporary Scalar 2; the same values).</summary>
    public static Tensor Squared(this Tensor x) => x.mul(x);

    /// <summary>x ← x·factor.</summary>
    public static Tensor Scale_(this Tensor x, double factor)
    {
        using var s = factor.ToScalar();
        return x.mul_(s);
    }

    /// <summary>x·factor, a new tensor.</summary>
    public static Tensor Times(this Tensor x, double factor)
    {
        using var s = factor.ToScalar();
        return x.mul(s);
    }

    /// <summary>x ← x / divisor.</summary>
    public static Tensor Divide_(this Tensor x, double divisor)
    {
        using var s = divisor.ToScalar();
        return x.div_(s);
    }

    /// <summary>x ← x + value.</summary>
    public static Tensor Shift_(this Tensor x, double value)
    {
        using var s = value.ToScalar();
        return x.add_(s, One);
    }

    /// <summary>x ← max(x, min).</summary>
    public static Tensor AtLeast_(this Tensor x, double min)
    {
        using var s = min.ToScalar();
        return x.clamp_min_(s);
    }

    /// <summary>x ← x + alpha·other.</summary>
    public static Tensor AddScaled_(this Tensor x, Tensor other, double alpha)
    {
        using var s = alpha.ToScalar();
        return x.add_(other, s);
    }

    /// <summary>x ← x + value·a·b.</summary>
    public static Tensor AddProduct_(this Tensor x, Tensor a, Tensor b, double value)
    {
        using var s = value.ToScalar();
        return x.addcmul_(a, b, s);
    }
}
