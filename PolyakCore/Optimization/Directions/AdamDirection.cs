using PolyakCore.Shared;
using static TorchSharp.torch;

namespace PolyakCore.Optimization.Directions;

/// <summary>Settings of the Adam direction.</summary>
public sealed record AdamSettings(double Beta1 = 0.9, double Beta2 = 0.999, double Eps = 1e-8);

/// <summary>Adam's bias-corrected preconditioned direction: d = m̂ / (√v̂ + ε).</summary>
/// <remarks>m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ).
/// Kingma and Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, arXiv:1412.6980.
/// Times a constant step this is torch.optim.Adam (no weight decay, no amsgrad); optax's scale_by_adam.</remarks>
public sealed class AdamDirection : IDirection
{
    private readonly List<(Tensor M, Tensor V)?> _moments = [];
    private int _t;

    public AdamDirection(AdamSettings? settings = null)
    {
        Settings = settings ?? new AdamSettings();
        var s = Settings;
        if (!(s.Beta1 >= 0 && s.Beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(settings), s.Beta1, $"Invalid beta1: {s.Beta1}");
        if (!(s.Beta2 >= 0 && s.Beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(settings), s.Beta2, $"Invalid beta2: {s.Beta2}");
        if (!(s.Eps >= 0) || double.IsInfinity(s.Eps)) throw new ArgumentOutOfRangeException(nameof(settings), s.Eps, $"Invalid Adam eps: {s.Eps}");
    }

    public AdamSettings Settings { get; }

    object IDirection.Settings => Settings;

    public bool IsGradient => false;

    public void BeginStep() => _t++;

    public Tensor Compute(int index, Tensor grad)
    {
        while (_moments.Count <= index) _moments.Add(null);
        var (m, v) = _moments[index] ??= (zeros_like(grad).DetachFromDisposeScope(), zeros_like(grad).DetachFromDisposeScope());
        var (b1, b2) = (Settings.Beta1, Settings.Beta2);
        m.Scale_(b1).AddScaled_(grad, 1 - b1);
        v.Scale_(b2).AddProduct_(grad, grad, 1 - b2);
        double bias1 = 1 - Math.Pow(b1, _t), bias2 = 1 - Math.Pow(b2, _t);
        // Same order of operations as torch.optim.Adam, so a constant step reproduces it to rounding.
        var denominator = v.sqrt().Divide_(Math.Sqrt(bias2)).Shift_(Settings.Eps);
        return m.div(denominator).Divide_(bias1);
    }

    /// <summary>m̂ = m/(1 − β₁ᵗ) of the last step: MoMo-Adam's model slope.</summary>
    public Tensor? Momentum(int index) =>
        index < _moments.Count && _moments[index] is { } pair ? pair.M.clone().Divide_(1 - Math.Pow(Settings.Beta1, _t)) : null;

    public IDirection Clone() => new AdamDirection(Settings);

    public void Dispose()
    {
        foreach (var pair in _moments)
            if (pair is var (m, v)) { m.Dispose(); v.Dispose(); }
        _moments.Clear();
    }
}
