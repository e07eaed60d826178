using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace PolyakDashboard.Components.Constraints;

/// <summary>What one recomputation of a tab gave: its result, or why nothing ran, and the server time it took.</summary>
public readonly record struct Outcome<T>(T? Result, IReadOnlyList<string> Errors, double Milliseconds) where T : class
{
    [MemberNotNullWhen(true, nameof(Result))]
    public bool Ok => Result is not null;
}

/// <summary>The tabs' shared rule: validate first, run and time only valid settings, and never throw, so the
/// page keeps its last good charts and shows the messages instead.</summary>
public static class Recomputation
{
    /// <param name="budget">Asked only for valid settings: null to go ahead, else why not (a viewer's rate limit,
    /// <see cref="Security.ViewerSession.TryCompute"/>). Default: no limit.</param>
    public static Outcome<T> Run<T>(IReadOnlyList<string> validation, Func<T> run, Func<string?>? budget = null) where T : class
    {
        if (validation.Count > 0) return new(null, validation, 0);
        if (budget?.Invoke() is { } denied) return new(null, [denied], 0);
        var clock = Stopwatch.StartNew();
        try
        {
            return new(run(), [], clock.Elapsed.TotalMilliseconds);
        }
        catch (ArgumentException e)
        {
            return new(null, [e.Message], 0);
        }
    }
}
