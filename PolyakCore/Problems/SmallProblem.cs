using TorchSharp;
using static TorchSharp.torch;

namespace PolyakCore.Problems;

/// <summary>A problem with a handful of parameters, held as one flat vector θ, and a data set.</summary>
/// <remarks>Losses are written for a (K, P) matrix of parameter rows, so the same formula serves one run
/// (K = 1), many trajectories at once, and a whole contour grid. Float64 throughout: the Polyak step is a
/// ratio of two quantities that both vanish at the optimum, and float32 turns it to noise near 1e-7.</remarks>
public abstract class SmallProblem : IDisposable
{
    protected SmallProblem(Tensor inputs, Tensor targets)
    {
        Inputs = inputs;
        Targets = targets;
    }

    public abstract string Name { get; }

    /// <summary>Names of θ's entries, e.g. w1, w2, b.</summary>
    public abstract IReadOnlyList<string> ParameterNames { get; }

    public int ParameterCount => ParameterNames.Count;

    /// <summary>(N, F) inputs (or two-well data points), float64.</summary>
    public Tensor Inputs { get; }

    /// <summary>(N) targets (zeros where the problem has none), float64.</summary>
    public Tensor Targets { get; }

    public int Count => (int)Inputs.shape[0];

    /// <summary>Per-point losses ℓ(θ_k, x_i) for parameter rows θ (K, P) and data (N, ·) → (K, N).</summary>
    public abstract Tensor PointLosses(Tensor theta, Tensor inputs, Tensor targets);

    /// <summary>Weighted mini-batch losses and their gradients without autograd, for many runs at once:
    /// loss_k = Σ_i W[k, i]·ℓ(θ_k, x_i) → (K), and ∇ → (K, P). Null where a problem has no closed form.</summary>
    /// <remarks>Autograd records and replays every op; on tiny problems each op costs microseconds, so the
    /// written-out gradient halves the batched engine's step time. Tests hold it equal to autograd's.</remarks>
    public virtual (Tensor Loss, Tensor Gradient)? WeightedLossAndGradient(Tensor theta, Tensor weights) => null;

    /// <summary>True when <see cref="WeightedLossAndGradient"/> is written out.</summary>
    public virtual bool HasClosedFormGradient => false;

    /// <summary>θ₀ for a run seeded with <paramref name="seed"/> (PyTorch's default Linear init for models).</summary>
    public abstract double[] InitialParameters(int seed);

    /// <summary>The minimiser of the full-data loss where it has a closed form (least squares), else null.</summary>
    public virtual double[]? Optimum => null;

    /// <summary>Known minima to mark on contour plots (name, θ).</summary>
    public virtual IReadOnlyList<(string Name, double[] Theta)> Minima =>
        Optimum is { } o ? [("least squares", o)] : [];

    /// <summary>Full-data mean loss for each parameter row: (K, P) → (K).</summary>
    public Tensor FullLosses(Tensor theta) => PointLosses(theta, Inputs, Targets).mean([1]);

    /// <summary>Full-data mean loss at θ.</summary>
    public double FullLoss(double[] theta)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return FullLosses(tensor(theta, float64).unsqueeze(0)).ToDouble();
    }

    public virtual void Dispose()
    {
        Inputs.Dispose();
        Targets.Dispose();
        GC.SuppressFinalize(this);
    }
}
