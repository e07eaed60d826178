using System.Globalization;

namespace PolyakDashboard.History;

/// <summary>How fast a replay goes: a multiple of the runs' own wall time (1×, 10×, 100×), or the whole
/// replay fitted to a number of seconds.</summary>
public sealed record ReplaySpeed
{
    private ReplaySpeed(double? factor, double? fitSeconds) => (Factor, FitSeconds) = (factor, fitSeconds);

    /// <summary>Run seconds per replay second; null when fitted.</summary>
    public double? Factor { get; }

    /// <summary>Length of the whole replay in seconds; null for a multiple.</summary>
    public double? FitSeconds { get; }

    public static ReplaySpeed Times(double factor) =>
        factor > 0 && double.IsFinite(factor) ? new(factor, null) : throw new ArgumentOutOfRangeException(nameof(factor), factor, $"Invalid replay speed: {factor}×.");

    public static ReplaySpeed FitTo(double seconds) =>
        seconds > 0 && double.IsFinite(seconds) ? new(null, seconds) : throw new ArgumentOutOfRangeException(nameof(seconds), seconds, $"Invalid replay length: {seconds} s.");

    public override string ToString() => Factor is { } f ? f.ToString("0.##", CultureInfo.InvariantCulture) + "×" : $"fit to {FitSeconds:0.##} s";
}

/// <summary>When each point of a replay appears: a pure function of the runs' clocks and the speed.</summary>
/// <remarks>A run's clock is its wall time (<c>BatchRecord.Seconds</c>); a run recorded before wall times were
/// kept uses its step count instead, at <see cref="FallbackStepsPerSecond"/> steps per "second". All runs of a
/// replay share one rate, so runs that were faster finish earlier, as they did. A point is shown once
/// <c>elapsed × Rate ≥ Clock</c>.</remarks>
/// <param name="Rate">Run-clock seconds per replay second.</param>
/// <param name="Duration">Replay seconds until the last point of the longest run.</param>
public sealed record ReplaySchedule(double Rate, double Duration)
{
    public const double FallbackStepsPerSecond = 100;

    /// <summary>The shortest replay one can follow: a multiple that would be over sooner plays over this long instead.</summary>
    public const double ShortestSeconds = 3;

    /// <summary>The default "fit to" length: the runs' own length (1×), between <see cref="ShortestSeconds"/> and a minute.</summary>
    public const double LongestDefaultSeconds = 60;

    /// <summary>True when the chosen multiple would have been over in under <see cref="ShortestSeconds"/> and was slowed down.</summary>
    public bool Stretched { get; init; }

    /// <summary>The longest run's recorded length (run-clock seconds).</summary>
    public double Recorded { get; init; }

    /// <summary>The "fit to" length a replay of runs whose clocks end at <paramref name="ends"/> starts with: a short run
    /// plays over a few seconds, a long one over a minute, anything between at its own pace.</summary>
    public static double DefaultFitSeconds(IEnumerable<double> ends) =>
        Math.Clamp(Math.Ceiling(ends.Where(double.IsFinite).DefaultIfEmpty(0).Max()), ShortestSeconds, LongestDefaultSeconds);

    /// <summary>The clock of each point of a run: its wall time, or step / <see cref="FallbackStepsPerSecond"/>
    /// when <paramref name="hasTime"/> is false.</summary>
    public static double[] Clock(double[] seconds, double[] steps, bool hasTime) =>
        hasTime ? [.. seconds.Select(s => double.IsFinite(s) ? Math.Max(0, s) : 0)]
                : [.. steps.Select(s => Math.Max(0, s) / FallbackStepsPerSecond)];

    /// <summary>The rate and length of a replay of runs whose clocks end at <paramref name="ends"/>.</summary>
    public static ReplaySchedule Plan(IEnumerable<double> ends, ReplaySpeed speed)
    {
        double longest = ends.Where(double.IsFinite).DefaultIfEmpty(0).Max();
        if (speed.Factor is { } factor)
            return longest > 0 && longest / factor < ShortestSeconds
                ? new(longest / ShortestSeconds, ShortestSeconds) { Stretched = true, Recorded = longest }
                : new(factor, longest / factor) { Recorded = longest };
        double fit = speed.FitSeconds!.Value;
        return longest <= 0 ? new(1, 0) : new(longest / fit, fit) { Recorded = longest };
    }

    /// <summary>How many of the points (clock ascending) show after <paramref name="elapsed"/> replay seconds.</summary>
    public int Visible(double[] clock, double elapsed)
    {
        double now = elapsed * Rate;
        int lo = 0, hi = clock.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (clock[mid] <= now) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
