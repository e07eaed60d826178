using PolyakCore.Shared;
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

    /// <summary>Equal keys mean the same loss formula on any data (the batched engine stacks such problems' data sets
    /// and computes them with one instance): the type, plus constants of the formula where it has any.</summary>
    public virtual object LossKey => GetType();

    /// <summary>Names of θ's entries, e.g. w1, w2, b.</summary>
    public abstract IReadOnlyList<string> ParameterNames { get; }

    public int ParameterCount => ParameterNames.Count;

    /// <summary>(N, F) inputs (or two-well data points), float64.</summary>
    public Tensor Inputs { get; }

    /// <summary>(N) targets (zeros where the problem has none), float64.</summary>
    public Tensor Targets { get; }

    public int Count => (int)Inputs.shape[0];

    /// <summary>Per-point losses ℓ(θ_k, x_i) for parameter rows θ (K, P) → (K, N), with data shared by every row
    /// (inputs (N, ·), targets (N)) or one data set per row (inputs (K, N, ·), targets (K, N)).</summary>
    public abstract Tensor PointLosses(Tensor theta, Tensor inputs, Tensor targets);

    /// <summary>Each row's mini-batch loss and its gradient, for many runs at once: inputs (K, B, ·) and targets
    /// (K, B) hold row k's own batch; loss_k = scale·Σ_i ℓ(θ_k, x_ki) → (K), ∇ → (K, P). Scale is 1/B for the
    /// mean reduction, 1 for the sum.</summary>
    /// <remarks>Autograd here; problems with a written-out gradient override it (autograd records and replays
    /// every op, and on tiny problems each op costs microseconds). Tests hold the two equal.</remarks>
    public virtual (Tensor Loss, Tensor Gradient) BatchLossAndGradient(Tensor theta, Tensor inputs, Tensor targets, double scale)
    {
        using var grad = enable_grad();
        var leaf = theta.detach().requires_grad_();
        var losses = PointLosses(leaf, inputs, targets).sum(1, false).Scale_(scale);
        losses.sum().backward();
        return (losses.detach(), leaf.grad!);
    }

    /// <summary>True when the problem computes many rows' mini-batches straight from memory
    /// (<see cref="StackedLossAndGradient"/>): the batched engine then makes no batch tensors.</summary>
    internal virtual bool HasStackedBatches => false;

    /// <summary>Each row's mini-batch loss (K) and gradient (K·P) for the rows' parameters θ (K·P), as
    /// <see cref="BatchLossAndGradient"/> computes them from batch tensors.</summary>
    internal virtual void StackedLossAndGradient(ReadOnlySpan<double> theta, in StackedBatch batch, Span<double> loss, Span<double> gradient) =>
        throw new NotSupportedException($"{Name} computes batch tensors only.");

    /// <summary>True when <see cref="BatchLossAndGradient"/> is written out rather than autograd.</summary>
    public virtual bool HasClosedFormGradient => false;

    /// <summary>θ₀ for a run seeded with <paramref name="seed"/> (PyTorch's default Linear init for models).</summary>
    public abstract double[] InitialParameters(int seed);

    /// <summary>The minimiser of the full-data loss where it has a closed form (least squares), else null.</summary>
    public virtual double[]? Optimum => null;

    /// <summary>The full-data loss at <see cref="Optimum"/> (the least-squares floor), computed once; null without an optimum.</summary>
    public double? OptimalLoss
    {
        get
        {
            if (_optimalLoss is null && Optimum is { } optimum) _optimalLoss = FullLoss(optimum);     // a race computes the same number
            return _optimalLoss;
        }
    }

    private double? _optimalLoss;

    /// <summary>Known minima to mark on contour plots (name, θ).</summary>
    public virtual IReadOnlyList<(string Name, double[] Theta)> Minima =>
        Optimum is { } o ? [("least squares", o)] : [];

    /// <summary>Full-data mean loss for each parameter row: (K, P) → (K).</summary>
    public Tensor FullLosses(Tensor theta) => Quadratic is { } q ? q.Evaluate(theta) : PointLosses(theta, Inputs, Targets).mean([1]);

    /// <summary>The full-data loss as an exact quadratic where it is one (least squares), else null.</summary>
    public virtual QuadraticLoss? Quadratic => null;

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
