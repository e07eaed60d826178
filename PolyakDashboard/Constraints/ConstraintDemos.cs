using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using PolyakCore.Demos;
using PolyakCore.Problems;
using PolyakCore.Shared;
using PolyakCore.Training;
using PolyakDashboard.Security;

namespace PolyakDashboard.Constraints;

/// <summary>What one recomputation of a tab gave: its result, or why nothing ran, and the server time it took.</summary>
public readonly record struct Outcome<T>(T? Result, IReadOnlyList<FieldError> Errors, double Milliseconds) where T : class
{
    [MemberNotNullWhen(true, nameof(Result))]
    public bool Ok => Result is not null;
}

/// <summary>Question 2c's two views of one setting: the 1-D penalty and the 2-D example with x + y ≤ 1.</summary>
public sealed record PenaltyDemo(PenaltyResult Curve, (LandscapeGrid Grid, double[] PathX, double[] PathY, (double X, double Y) Optimum) Plane);

/// <summary>The constraints page's demonstrations (PolyakCore.Demos), run for one viewer: validated first, within the
/// viewer's computation budget, timed, and never throwing, so a tab keeps its last good charts and shows why.</summary>
/// <remarks>Scoped: one per circuit, charging that circuit's <see cref="ViewerSession"/>.</remarks>
public sealed class ConstraintDemos(ViewerSession session)
{
    /// <summary>Field of a message that belongs to no control: the viewer's budget ran out.</summary>
    public const string BudgetField = "budget";

    /// <summary>Field of a message that belongs to no control: the demonstration refused the settings as a whole.</summary>
    public const string SettingsField = "settings";

    /// <summary>Question 2a: Armijo, Polyak and constant steps on a 2-D function (tens of ms, on the caller's thread).</summary>
    public Outcome<LineSearchResult> LineSearch(LineSearchSettings s) =>
        Recompute(LineSearchDemo.Validate(s), () => LineSearchDemo.Run(s), session.TryCompute);

    /// <summary>Question 2b: x ≥ 0 through a change of variables, next to projected gradient descent.</summary>
    public Outcome<ChangeOfVariablesResult> ChangeOfVariables(ChangeOfVariablesSettings s) =>
        Recompute(PolyakCore.Demos.ChangeOfVariables.Validate(s), () => PolyakCore.Demos.ChangeOfVariables.Run(s), session.TryCompute);

    /// <summary>Question 2c: the quadratic penalty as λ moves, and the 2-D example.</summary>
    public Outcome<PenaltyDemo> Penalty(PenaltySettings s) =>
        Recompute(PenaltyMethod.Validate(s), () => new PenaltyDemo(PenaltyMethod.Run(s), PenaltyMethod.Plane(s.Lambda, s.Iterations)), session.TryCompute);

    /// <summary>Question 2a with mini-batches: up to seconds (batch 1, 20 epochs), so on a thread of its own.</summary>
    public async Task<Outcome<IReadOnlyList<EvaluationTrace>>> MiniBatchAsync(MiniBatchSettings s)
    {
        var errors = s.Validate();
        if (errors.Count > 0) return new(null, errors, 0);
        try
        {
            var (traces, ms) = await RunThread.Start(() =>
            {
                var clock = Stopwatch.StartNew();
                var traces = StochasticLineSearch.Run(s);
                return (traces, clock.Elapsed.TotalMilliseconds);
            }, "line search mini-batch");
            return new(traces, [], ms);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return new(null, [new FieldError(SettingsField, e.Message)], 0);
        }
    }

    /// <summary>The tabs' shared rule: validate first, run and time only valid settings, and never throw.</summary>
    /// <param name="budget">Asked only for valid settings: null to go ahead, else why not. Default: no limit.</param>
    public static Outcome<T> Recompute<T>(IReadOnlyList<FieldError> validation, Func<T> run, Func<int, string?>? budget = null) where T : class
    {
        if (validation.Count > 0) return new(null, validation, 0);
        if (budget?.Invoke(1) is { } denied) return new(null, [new FieldError(BudgetField, denied)], 0);
        var clock = Stopwatch.StartNew();
        try
        {
            return new(run(), [], clock.Elapsed.TotalMilliseconds);
        }
        catch (ArgumentException e)
        {
            return new(null, [new FieldError(SettingsField, e.Message)], 0);
        }
    }
}
