using PolyakCore.Optimization;
using PolyakCore.Optimization.StepRules;
using PolyakCore.Problems;
using PolyakCore.Shared;
using static TorchSharp.torch;

namespace PolyakCore.Demos;

/// <summary>Settings of question 2c: F(x) = f(x) + λ·max(0, −x)².</summary>
public sealed record PenaltySettings
{
    public const string Inactive = "inactive", Active = "active";
    /// <summary>"inactive": f = (x − 2)², answer 2; "active": f = (x + 2)², answer −2/(1 + λ).</summary>
    public string Function { get; init; } = Active;
    public double Lambda { get; init; } = 10;
    public double X0 { get; init; } = 1.0;
    public int Iterations { get; init; } = 200;
}

/// <summary>The penalised objective for one λ, gradient descent on it, and the optimum as λ grows.</summary>
/// <param name="StepSize">The last step the line search accepted.</param>
public sealed record PenaltyResult(double[] CurveX, double[] CurveF, double[] CurvePenalised, double[] Trajectory,
    double NumericOptimum, double ExactOptimum, double StepSize, double[] Lambdas, double[] OptimaVsLambda);

/// <summary>A penalty turns "x ≥ 0" into a cost for violating it; the penalised optimum reaches the
/// boundary only as λ → ∞ (a quadratic penalty is never exact at finite λ).</summary>
public static class PenaltyMethod
{
    public static IReadOnlyList<FieldError> Validate(PenaltySettings s)
    {
        var errors = new List<FieldError>();
        if (s.Function is not (PenaltySettings.Inactive or PenaltySettings.Active)) errors.Add(new("function", "The function is 'inactive' or 'active'."));
        if (!(s.Lambda >= 0) || s.Lambda > 1e6) errors.Add(new("lambda", "λ must be between 0 and 1e6."));
        if (!double.IsFinite(s.X0) || Math.Abs(s.X0) > 100) errors.Add(new("x0", "The start must lie within ±100."));
        if (s.Iterations is < 1 or > 100_000) errors.Add(new("iterations", "Iterations must be between 1 and 100,000."));
        return errors;
    }

    /// <summary>argmin F: 2 when the constraint is inactive; −2/(1 + λ) when it is active.</summary>
    public static double ExactOptimum(string function, double lambda) => function == PenaltySettings.Inactive ? 2.0 : -2.0 / (1 + lambda);

    private static double Shift(string function) => function == PenaltySettings.Inactive ? -2 : 2;

    public static double Objective(string function, double lambda, double x)
    {
        double shift = Shift(function);
        double violation = Math.Max(0, -x);
        return (x + shift) * (x + shift) + lambda * violation * violation;
    }

    public static PenaltyResult Run(PenaltySettings s)
    {
        var errors = Validate(s);
        if (errors.Count > 0) throw new ArgumentException(string.Join(" ", errors.Select(e => e.Message)), nameof(s));
        // Gradient descent with the Armijo step of 2a: F's curvature jumps from 2 to 2 + 2λ at the boundary, so
        // no fixed step suits every λ (a fixed one would diverge as λ grows — itself a lesson about penalties).
        var search = new ArmijoStep(new ArmijoSettings(InitialStep: 1, Shrink: 0.5, C: 1e-4));
        var path = new double[s.Iterations + 1];
        path[0] = s.X0;
        double last = 0;
        for (int k = 0; k < s.Iterations; k++)
        {
            double x = path[k];
            double gradient = 2 * (x + Shift(s.Function)) - 2 * s.Lambda * Math.Max(0, -x);
            var choice = search.Next(new StepContext(Objective(s.Function, s.Lambda, x), gradient * gradient, gradient * gradient, 1,
                a => Objective(s.Function, s.Lambda, x - a * gradient)));
            path[k + 1] = x - choice.StepSize * gradient;
            last = choice.StepSize;
        }
        double shift = Shift(s.Function);
        var curveX = Enumerable.Range(0, 241).Select(i => -4 + 8.0 * i / 240).ToArray();
        var lambdas = Enumerable.Range(0, 61).Select(i => Math.Pow(10, -2 + i / 10.0)).ToArray();   // 1e-2 … 1e4
        return new PenaltyResult(curveX, [.. curveX.Select(x => (x + shift) * (x + shift))],
            [.. curveX.Select(x => Objective(s.Function, s.Lambda, x))], path, path[^1], ExactOptimum(s.Function, s.Lambda), last,
            lambdas, [.. lambdas.Select(l => ExactOptimum(s.Function, l))]);
    }

    /// <summary>2-D example: minimise (x − 1)² + (y − 2)² subject to x + y ≤ 1, penalised by λ·max(0, x + y − 1)².</summary>
    public static (LandscapeGrid Grid, double[] PathX, double[] PathY, (double X, double Y) Optimum) Plane(double lambda, int iterations = 200)
    {
        if (!(lambda >= 0) || lambda > 1e6) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "λ must be between 0 and 1e6.");
        double step = 1.0 / (2 + 4 * lambda);   // F's Hessian has largest eigenvalue 2 + 4λ
        var px = new double[iterations + 1]; var py = new double[iterations + 1];
        (px[0], py[0]) = (-1.5, -1.0);
        for (int k = 0; k < iterations; k++)
        {
            double v = Math.Max(0, px[k] + py[k] - 1);
            px[k + 1] = px[k] - step * (2 * (px[k] - 1) + 2 * lambda * v);
            py[k + 1] = py[k] - step * (2 * (py[k] - 2) + 2 * lambda * v);
        }
        // Closed form: c − λ(aᵀc − b)/(1 + λ‖a‖²)·a with c = (1, 2), a = (1, 1), b = 1, aᵀc − b = 2.
        double shrink = lambda * 2 / (1 + 2 * lambda);
        var grid = FunctionGrid.Evaluate(rows =>
        {
            // With kept Scalars: TorchSharp's number operands can be freed mid-op (see KeptScalars).
            var x = rows.select(1, 0); var y = rows.select(1, 1);
            var violation = x.Plus(y).Shift_(-1).AtLeast_(0);                        // max(0, x + y − 1)
            var toX = x.clone().Shift_(-1);
            var toY = y.clone().Shift_(-2);
            return toX.Squared().Plus_(toY.Squared()).Plus_(violation.Squared().Scale_(lambda));
        }, (-2, 3), (-1.5, 3), "x", "y");
        return (grid, px, py, (1 - shrink, 2 - shrink));
    }
}
