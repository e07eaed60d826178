using PolyakCore.Shared;
using static TorchSharp.torch;

namespace PolyakCore.Problems;

/// <summary>A full-data loss that is exactly quadratic, f(θ) = (θ − θ*)ᵀ H (θ − θ*) + f(θ*): least squares, with
/// H = XᵀX / N and f(θ*) the floor.</summary>
/// <remarks>A row costs O(P²) instead of a pass over all N points (the batched engine's epoch-end losses were a third of
/// an ensemble's time), and near θ* it is the more accurate of the two: the excess over the floor is computed from
/// θ − θ* directly rather than as the difference of N squared residuals. Holds one problem's form, (P, P), (P) and a
/// scalar, or many rows' forms stacked, (K, P, P), (K, P) and (K).</remarks>
public sealed class QuadraticLoss : IDisposable
{
    private readonly bool _owned;

    public QuadraticLoss(Tensor curvature, Tensor minimizer, Tensor floor, bool owned = true)
    {
        (Curvature, Minimizer, Floor, _owned) = (curvature, minimizer, floor, owned);
    }

    public Tensor Curvature { get; }
    public Tensor Minimizer { get; }
    public Tensor Floor { get; }

    /// <summary>The loss of each parameter row θ (K, P) → (K).</summary>
    public Tensor Evaluate(Tensor theta)
    {
        var d = theta - Minimizer;
        var hd = Curvature.dim() == 2 ? d.matmul(Curvature) : d.unsqueeze(1).bmm(Curvature).squeeze(1);
        return hd.mul_(d).sum(1, false).Plus_(Floor);
    }

    /// <summary>Row k's form is <paramref name="forms"/>[k]'s: one stacked form for rows on different data sets.</summary>
    public static QuadraticLoss Stack(IReadOnlyList<QuadraticLoss> forms) => new(
        stack([.. forms.Select(f => f.Curvature)]), stack([.. forms.Select(f => f.Minimizer)]), stack([.. forms.Select(f => f.Floor)]));

    public void Dispose()
    {
        if (!_owned) return;
        Curvature.Dispose();
        Minimizer.Dispose();
        Floor.Dispose();
    }
}
