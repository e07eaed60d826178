using PolyakCore.Shared;
using static TorchSharp.torch;

namespace PolyakCore.Optimization.Directions;

/// <summary>Settings of the heavy-ball momentum direction.</summary>
/// <param name="Beta">β ∈ [0, 1): the weight of the past in the average.</param>
public sealed record MomentumSettings(double Beta = 0.9);

/// <summary>Heavy-ball momentum as an average of gradients: m₁ = g₁, m_k = β·m_{k−1} + (1 − β)·g_k; d = m.</summary>
/// <remarks>The averaging form of SGD with momentum (torch.optim.SGD with momentum = dampening = β, whose first step
/// takes the gradient itself), so a constant step α moves as far as plain SGD's α would on a steady gradient. It is
/// MoMo's d_k without bias correction: Schaipp, Ohana, Eickenberg, Defazio, Gower, "MoMo: Momentum Models for Adaptive
/// Learning Rates", ICML 2024, arXiv:2305.07583, Algorithm 1 (d₀ = g₁).</remarks>
public sealed class MomentumDirection : IDirection
{
    private readonly List<Tensor?> _averages = [];

    public MomentumDirection(MomentumSettings? settings = null)
    {
        Settings = settings ?? new MomentumSettings();
        if (!(Settings.Beta >= 0 && Settings.Beta < 1)) throw new ArgumentOutOfRangeException(nameof(settings), Settings.Beta, $"Invalid momentum β: {Settings.Beta}");
    }

    public MomentumSettings Settings { get; }

    object IDirection.Settings => Settings;

    public bool IsGradient => false;

    public void BeginStep() { }

    public Tensor Compute(int index, Tensor grad)
    {
        while (_averages.Count <= index) _averages.Add(null);
        if (_averages[index] is not { } m)
            return _averages[index] = grad.clone().DetachFromDisposeScope();
        return m.Scale_(Settings.Beta).AddScaled_(grad, 1 - Settings.Beta);
    }

    public IDirection Clone() => new MomentumDirection(Settings);

    public void Dispose()
    {
        foreach (var m in _averages) m?.Dispose();
        _averages.Clear();
    }
}
