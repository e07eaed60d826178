using static TorchSharp.torch;

namespace PolyakCore.Optimization.Directions;

/// <summary>Plain (stochastic) gradient: d = g.</summary>
public sealed class GradientDirection : IDirection
{
    public bool IsGradient => true;
    public void BeginStep() { }
    public Tensor Compute(int index, Tensor grad) => grad;
    public IDirection Clone() => new GradientDirection();
    public void Dispose() { }
}
