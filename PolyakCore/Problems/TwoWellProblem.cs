using PolyakCore.Shared;
using static TorchSharp.torch;

namespace PolyakCore.Problems;

/// <summary>1c: the two-well function of week 6. θ = x ∈ R², data w_i ~ 0.25·N(0, I₂),
/// ℓ(x, w) = min(a‖z‖², (z₀ + b)² + (z₁ + c)²) with z = x − w − 1.</summary>
/// <remarks>The sharp well near (1, 1) is the local minimum (loss ≈ 0.16·a at a = 20, wider wells
/// elsewhere); the wide well near (1 − b, 1 − c) is the global one (≈ 0.16). Constant lr·2a = 2 sits on
/// the sharp well's stability edge.</remarks>
public sealed class TwoWellProblem : SmallProblem
{
    public const int DefaultPoints = 25;
    public const double DefaultA = 20, DefaultB = 9, DefaultC = 10;
    public static readonly double[] DefaultStart = [3.0, 3.0];

    private readonly Tensor _shift;

    // Inputs hold the points' sharp-well centres c_i = w_i + 1, so z = x − c_i is one subtraction.
    private TwoWellProblem(double[,] w, double a, double b, double c)
        : base(tensor(w, float64).Shift_(1.0), zeros(w.GetLength(0), float64))
    {
        (A, B, C) = (a, b, c);
        _shift = tensor(new[] { b, c }, float64);
    }

    public static TwoWellProblem Create(int points = DefaultPoints, double a = DefaultA, double b = DefaultB, double c = DefaultC, int dataSeed = 0)
    {
        var random = SeededRandom.Stream(dataSeed, 0);
        var w = new double[points, 2];
        for (int i = 0; i < points; i++) { w[i, 0] = 0.25 * random.Normal(); w[i, 1] = 0.25 * random.Normal(); }
        return new TwoWellProblem(w, a, b, c);
    }

    public override string Name => "two-well";

    public double A { get; }
    public double B { get; }
    public double C { get; }

    public override IReadOnlyList<string> ParameterNames { get; } = ["x0", "x1"];

    public override object LossKey => (GetType(), A, B, C);

    public override Tensor PointLosses(Tensor theta, Tensor inputs, Tensor targets)
    {
        var z = theta.unsqueeze(1) - inputs;                  // (K, 1, 2) − (N, 2) or (K, N, 2) → (K, N, 2)
        var sharp = z.Squared().sum(2, false).Scale_(A);      // (K, N)
        var wide = z.Plus(_shift).Squared().sum(2, false);         // (K, N)
        return minimum(sharp, wide);
    }

    /// <summary>ℓ = min(a‖z‖², ‖z + s‖²); ∇ℓ = 2a·z in the sharp well's branch, 2(z + s) in the wide one's.</summary>
    public override bool HasClosedFormGradient => true;

    public override (Tensor Loss, Tensor Gradient) BatchLossAndGradient(Tensor theta, Tensor inputs, Tensor targets, double scale)
    {
        var z = theta.unsqueeze(1) - inputs;                  // (K, B, 2)
        var shifted = z.Plus(_shift);
        var sharp = z.Squared().sum(2, false).Scale_(A);      // (K, B)
        var wide = shifted.Squared().sum(2, false);
        var inSharp = sharp.lt(wide);                          // ties go to the wide branch, as minimum's gradient may
        var loss = where(inSharp, sharp, wide).sum(1, false).Scale_(scale);
        var pointGradients = where(inSharp.unsqueeze(2), z.Scale_(2 * A), shifted.Scale_(2.0));    // (K, B, 2)
        return (loss, pointGradients.sum(1, false).Scale_(scale));
    }

    /// <summary>The data points w_i, (N, 2).</summary>
    public double[] DataPoints() => [.. Inputs.data<double>().ToArray().Select(v => v - 1.0)];

    /// <summary>Loss of one point, written out for tests against the tensor version.</summary>
    public double PointLoss(double x0, double x1, double w0, double w1)
    {
        double z0 = x0 - w0 - 1, z1 = x1 - w1 - 1;
        return Math.Min(A * (z0 * z0 + z1 * z1), (z0 + B) * (z0 + B) + (z1 + C) * (z1 + C));
    }

    public override double[] InitialParameters(int seed) => [.. DefaultStart];

    /// <summary>The two wells' centres (the data mean shifts them slightly): local (1, 1), global (1 − b, 1 − c).</summary>
    public override IReadOnlyList<(string Name, double[] Theta)> Minima => [("local", LocalCentre), ("global", GlobalCentre)];

    public double[] LocalCentre => Centre(0, 0);
    public double[] GlobalCentre => Centre(-B, -C);

    private double[] Centre(double dx, double dy)
    {
        using var scope = NewDisposeScope();
        var mean = Inputs.mean([0]).data<double>().ToArray();   // mean of w + 1
        return [mean[0] + dx, mean[1] + dy];
    }

    /// <summary>Which well a point is in: the one whose term is the smaller at the data mean.</summary>
    public string WellOf(double[] x)
    {
        var local = LocalCentre; var global = GlobalCentre;
        double dl = Math.Pow(x[0] - local[0], 2) + Math.Pow(x[1] - local[1], 2);
        double dg = Math.Pow(x[0] - global[0], 2) + Math.Pow(x[1] - global[1], 2);
        if (A * dl <= dg) return dl < 1.0 ? "local" : "elsewhere";
        return dg < 4.0 ? "global" : "elsewhere";
    }
}
