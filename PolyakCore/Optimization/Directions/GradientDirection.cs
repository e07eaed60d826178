using static TorchSharp.torch;

namespace PolyakCore.Optimization.Directions;

/// <summary>The plain gradient has no settings: every instance is interchangeable.</summary>
public sealed record GradientSettings
{
    public static GradientSettings Instance { get; } = new();
}

/// <summary>Plain (stochastic) gradient: d = g.</summary>
public sealed class GradientDirection : IDirection
{
    public bool IsGradient => true;
    public object Settings => GradientSettings.Instance;
    public void BeginStep() { }
    public Tensor Compute(int index, Tensor grad) => grad;
    public IDirection Clone() => new GradientDirection();
    public void Dispose() { }
}
