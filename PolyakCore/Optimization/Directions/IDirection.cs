using static TorchSharp.torch;

namespace PolyakCore.Optimization.Directions;

/// <summary>The update direction d of θ ← θ − α·d, computed per parameter tensor from its gradient.</summary>
/// <remarks>Directions work on any shape, so the batched trajectory engine can pass a (K, P) gradient
/// holding K independent runs as rows.</remarks>
public interface IDirection : IDisposable
{
    /// <summary>True for the plain gradient (d = g), which lets the optimizer skip ⟨g, d⟩ and ‖d‖².</summary>
    bool IsGradient { get; }

    /// <summary>Called once per optimizer step, before <see cref="Compute"/> for each parameter.</summary>
    void BeginStep();

    /// <summary>d for parameter number <paramref name="index"/>; may return <paramref name="grad"/> itself.</summary>
    Tensor Compute(int index, Tensor grad);

    /// <summary>The averaged gradient m that the last <see cref="Compute"/> of parameter <paramref name="index"/> was built
    /// from — the slope of MoMo's model —, or null when that is the direction itself (the gradient, heavy-ball momentum).
    /// Adam returns its bias-corrected first moment m̂ (its direction is m̂ / (√v̂ + ε)).</summary>
    Tensor? Momentum(int index) => null;

    /// <summary>The direction's settings, compared by value: runs whose directions have equal settings can share one
    /// instance over their stacked rows (the batched engine does).</summary>
    object Settings { get; }

    /// <summary>A fresh copy with the same settings and no state.</summary>
    IDirection Clone();
}
