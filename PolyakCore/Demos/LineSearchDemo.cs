using System.Diagnostics;
using PolyakCore.Optimization;
using PolyakCore.Optimization.Directions;
using PolyakCore.Optimization.StepRules;
using PolyakCore.Problems;
using PolyakCore.Shared;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PolyakCore.Demos;

/// <summary>Settings of question 2a's deterministic demonstration.</summary>
public sealed record LineSearchSettings
{
    public string Function { get; init; } = TestFunctions.IllConditioned;
    public double X0 { get; init; } = -1.8;
    public double Y0 { get; init; } = 1.2;
    public int Iterations { get; init; } = 40;
    public double InitialStep { get; init; } = 1.0;
    public double Shrink { get; init; } = 0.5;
    public double C { get; init; } = 1e-4;
    public double ConstantLr { get; init; } = 0.04;
}

/// <summary>A trial point of a backtracking search: where it looked and whether it stopped there.</summary>
public sealed record TrialPoint(double X, double Y, double Loss, bool Accepted);

/// <summary>One iteration: the point reached, the step taken, and what choosing it cost.</summary>
/// <param name="Evaluations">Loss evaluations this iteration (1 for the gradient's forward pass, plus each trial).</param>
public sealed record LineSearchStep(int Iteration, double X, double Y, double Loss, double StepSize,
    int Evaluations, int CumulativeEvaluations, IReadOnlyList<TrialPoint> Trials);

/// <summary>One method's whole run, from the start point (iteration 0).</summary>
public sealed record MethodTrace(string Method, IReadOnlyList<LineSearchStep> Steps);

public sealed record LineSearchResult(LandscapeGrid Grid, IReadOnlyList<MethodTrace> Methods, double Milliseconds);

/// <summary>Gradient descent on a 2-D function with three step rules of the optimizer family — Armijo
/// backtracking, Polyak (f* = 0, exact here) and a constant — counting every function evaluation.</summary>
public static class LineSearchDemo
{
    public const string Armijo = "armijo", Polyak = "polyak", Constant = "constant";

    /// <summary>What is wrong with the settings, by field ("start" is the pair x0, y0).</summary>
    public static IReadOnlyList<FieldError> Validate(LineSearchSettings s)
    {
        var errors = new List<FieldError>();
        if (!TestFunctions.Names.Contains(s.Function)) errors.Add(new("function", $"Unknown function '{s.Function}'."));
        if (!double.IsFinite(s.X0) || !double.IsFinite(s.Y0) || Math.Abs(s.X0) > 10 || Math.Abs(s.Y0) > 10) errors.Add(new("start", "The start must lie within ±10."));
        if (s.Iterations is < 1 or > 2000) errors.Add(new("iterations", "Iterations must be between 1 and 2,000."));
        if (!(s.InitialStep > 0) || s.InitialStep > 1e6) errors.Add(new("initialStep", "The initial step must be positive."));
        if (!(s.Shrink > 0 && s.Shrink < 1)) errors.Add(new("shrink", "The shrink factor must be in (0, 1)."));
        if (!(s.C > 0 && s.C < 1)) errors.Add(new("c", "The sufficient-decrease constant c must be in (0, 1)."));
        if (!(s.ConstantLr > 0) || s.ConstantLr > 1e6) errors.Add(new("constantLr", "The constant step must be positive."));
        return errors;
    }

    public static LineSearchResult Run(LineSearchSettings s)
    {
        var errors = Validate(s);
        if (errors.Count > 0) throw new ArgumentException(string.Join(" ", errors.Select(e => e.Message)), nameof(s));
        var clock = Stopwatch.StartNew();
        var armijo = new ArmijoStep(new ArmijoSettings(s.InitialStep, s.Shrink, s.C, 40));
        var methods = new List<MethodTrace>
        {
            Trace(Armijo, armijo, s, () => armijo.LastTrials),
            Trace(Polyak, new PolyakStep(new PolyakSettings(Eps: 0)), s, null),
            Trace(Constant, new ConstantStep(s.ConstantLr), s, null),
        };
        return new LineSearchResult(Grid(s, methods), methods, clock.Elapsed.TotalMilliseconds);
    }

    // Runs the family's own Optimizer on θ = (x, y): the same step rules the training runs use.
    private static MethodTrace Trace(string method, IStepRule rule, LineSearchSettings s,
        Func<IReadOnlyList<(double Step, double Loss, bool Accepted)>>? trials)
    {
        using var scope = NewDisposeScope();
        var theta = new Parameter(tensor(new[] { s.X0, s.Y0 }, float64));
        using var optimizer = new Optimizer([theta], new GradientDirection(), rule);
        double Loss() { using var _ = no_grad(); return TestFunctions.Evaluate(s.Function, theta.unsqueeze(0)).ToDouble(); }
        var steps = new List<LineSearchStep> { new(0, s.X0, s.Y0, Loss(), 0, 1, 1, []) };
        int total = 1;
        for (int i = 1; i <= s.Iterations; i++)
        {
            var (x, y) = (theta.data<double>()[0], theta.data<double>()[1]);
            theta.grad?.zero_();
            var loss = TestFunctions.Evaluate(s.Function, theta.unsqueeze(0)).sum();
            loss.backward();
            var g = theta.grad!.data<double>().ToArray();
            var record = optimizer.Step(loss, Loss);
            var tried = trials?.Invoke().Select(t => new TrialPoint(x - t.Step * g[0], y - t.Step * g[1], t.Loss, t.Accepted)).ToArray() ?? [];
            int evaluations = 1 + record.Evaluations;
            total += evaluations;
            var p = theta.data<double>().ToArray();
            double now = Loss();
            steps.Add(new LineSearchStep(i, p[0], p[1], now, record.StepSize, evaluations, total, tried));
            if (!double.IsFinite(now) || Math.Abs(p[0]) > 1e6 || Math.Abs(p[1]) > 1e6) break;   // diverged: stop drawing
        }
        return new MethodTrace(method, steps);
    }

    private static LandscapeGrid Grid(LineSearchSettings s, IReadOnlyList<MethodTrace> methods)
    {
        var (mx, my) = TestFunctions.Minimum(s.Function);
        var xs = methods.SelectMany(m => m.Steps.Select(p => p.X)).Append(mx).Append(s.X0).Where(v => Math.Abs(v) < 10);
        var ys = methods.SelectMany(m => m.Steps.Select(p => p.Y)).Append(my).Append(s.Y0).Where(v => Math.Abs(v) < 10);
        return FunctionGrid.Evaluate(rows => TestFunctions.Evaluate(s.Function, rows), LandscapeGrid.Around(xs, 0.1, 1), LandscapeGrid.Around(ys, 0.1, 1), "x", "y");
    }
}
