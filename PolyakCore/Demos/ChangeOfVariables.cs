using PolyakCore.Shared;

namespace PolyakCore.Demos;

/// <summary>Settings of question 2b: minimise f(x) = (x − t)² subject to x ≥ 0 through x = e^z or x = z².</summary>
public sealed record ChangeOfVariablesSettings
{
    public const string Exp = "exp", Square = "square";
    /// <summary>The unconstrained minimiser t; t &lt; 0 puts the constrained optimum on the boundary x = 0.</summary>
    public double Target { get; init; } = 2.0;
    public string Map { get; init; } = Exp;
    /// <summary>Initial x (&gt; 0); z₀ follows from the map.</summary>
    public double X0 { get; init; } = 1.0;
    public double Lr { get; init; } = 0.05;
    public int Iterations { get; init; } = 100;
}

/// <summary>z and x = φ(z) along gradient descent on f(φ(z)), next to projected gradient descent on x.</summary>
public sealed record ChangeOfVariablesResult(double[] Z, double[] X, double[] Loss, double[] ProjectedX, double[] ProjectedLoss,
    double[] CurveZ, double[] CurveLoss, double Optimum);

/// <summary>Constraints by reparametrisation: optimise an unconstrained z, and x = φ(z) can never leave x ≥ 0.</summary>
/// <remarks>When the optimum sits on the boundary (t &lt; 0), x = e^z needs z → −∞: f'(φ(z))·φ'(z) = 2(e^z − t)e^z
/// vanishes with e^z, so the approach slows to a crawl; x = z² reaches 0 at a finite z but has a saddle there.</remarks>
public static class ChangeOfVariables
{
    public static IReadOnlyList<FieldError> Validate(ChangeOfVariablesSettings s)
    {
        var errors = new List<FieldError>();
        if (s.Map is not (ChangeOfVariablesSettings.Exp or ChangeOfVariablesSettings.Square)) errors.Add(new("map", "The map is 'exp' or 'square'."));
        if (!double.IsFinite(s.Target) || Math.Abs(s.Target) > 100) errors.Add(new("target", "The target t must lie within ±100."));
        if (!(s.X0 > 0) || s.X0 > 100) errors.Add(new("x0", "The start x₀ must be positive (and at most 100)."));
        if (!(s.Lr > 0) || s.Lr > 10) errors.Add(new("lr", "The learning rate must be in (0, 10]."));
        if (s.Iterations is < 1 or > 100_000) errors.Add(new("iterations", "Iterations must be between 1 and 100,000."));
        return errors;
    }

    public static ChangeOfVariablesResult Run(ChangeOfVariablesSettings s)
    {
        var errors = Validate(s);
        if (errors.Count > 0) throw new ArgumentException(string.Join(" ", errors.Select(e => e.Message)), nameof(s));
        bool exp = s.Map == ChangeOfVariablesSettings.Exp;
        double Phi(double z) => exp ? Math.Exp(z) : z * z;
        double DPhi(double z) => exp ? Math.Exp(z) : 2 * z;
        double F(double x) => (x - s.Target) * (x - s.Target);

        int n = s.Iterations + 1;
        double[] zs = new double[n], xs = new double[n], losses = new double[n], px = new double[n], pl = new double[n];
        zs[0] = exp ? Math.Log(s.X0) : Math.Sqrt(s.X0);
        px[0] = s.X0;
        for (int k = 0; k < n; k++)
        {
            xs[k] = Phi(zs[k]);
            losses[k] = F(xs[k]);
            pl[k] = F(px[k]);
            if (k + 1 == n) break;
            zs[k + 1] = zs[k] - s.Lr * 2 * (xs[k] - s.Target) * DPhi(zs[k]);        // chain rule through φ
            px[k + 1] = Math.Max(0, px[k] - s.Lr * 2 * (px[k] - s.Target));          // projected GD: step, then clip
            if (!double.IsFinite(zs[k + 1])) zs[k + 1] = zs[k];                        // e^z overflowed: hold (shown as stuck)
        }
        double lo = Math.Min(zs.Min(), exp ? -6 : -3), hi = Math.Max(zs.Max(), exp ? 3 : 3);
        var curveZ = Enumerable.Range(0, 200).Select(i => lo + (hi - lo) * i / 199).ToArray();
        return new ChangeOfVariablesResult(zs, xs, losses, px, pl, curveZ, [.. curveZ.Select(z => F(Phi(z)))], Math.Max(0, s.Target));
    }
}
