using System.Globalization;

namespace PolyakCore.Training;

/// <summary>What a <see cref="PolyakLadder"/> says, in sentences made from its numbers (the 1d page and the CLI print them).</summary>
public static class PolyakLadderFinding
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static IReadOnlyList<string> Describe(PolyakLadder ladder)
    {
        var results = ladder.Results.Where(r => r.Steps.Count > 0).ToArray();
        if (results.Length == 0) return ["No measurement."];
        var sentences = new List<string>();
        double fMin = results.Min(r => r.First.Loss), fMax = results.Max(r => r.First.Loss);
        sentences.Add(F($"The first mini-batch loss is {fMin:F2}–{fMax:F2} nats per character on every rung and batch (ln {ladder.Vocabulary} = {ladder.UniformLoss:F2}), so the first Polyak step (f − 0)/‖g‖² is set by ‖g‖² alone."));

        int batch = ladder.Batches[0];
        var rows = results.Where(r => r.Batch == batch).OrderBy(r => r.Parameters).ToArray();
        if (rows.Length >= 2)
        {
            var (small, large) = (rows[0], rows[^1]);
            double slope = Slope(rows.Select(r => ((double)r.Parameters, r.MedianStep)));
            double gradSlope = Slope(rows.Select(r => ((double)r.Parameters, r.MedianGradNormSq)));
            sentences.Add(F($"At batch {batch}, from {small.Rung} ({small.Parameters:N0} parameters) to {large.Rung} ({large.Parameters:N0}), the median ‖g‖² over the first steps goes from {small.MedianGradNormSq:G3} to {large.MedianGradNormSq:G3} and the median Polyak step from {small.MedianStep:G3} to {large.MedianStep:G3} ") +
                F($"(a fit over the {rows.Length} rungs: ‖g‖² ∝ parameters^{gradSlope:F2}, step ∝ parameters^{slope:F2}); the first steps are {small.First.StepSize:G3} and {large.First.StepSize:G3}."));
        }
        foreach (var (from, to, what) in OneChangePairs(rows))
            sentences.Add(F($"{what} ({from.Rung} → {to.Rung}, batch {batch}) multiplies the median ‖g‖² by {Ratio(to.MedianGradNormSq, from.MedianGradNormSq):G2} and the median step by {Ratio(to.MedianStep, from.MedianStep):G2}."));

        if (ladder.Batches.Count >= 2)
        {
            int other = ladder.Batches[1];
            var pairs = results.Where(r => r.Batch == batch)
                .Select(r => (Small: r, Large: results.FirstOrDefault(o => o.Batch == other && o.Rung == r.Rung)))
                .Where(p => p.Large is not null).ToArray();
            if (pairs.Length > 0)
            {
                var grad = pairs.Select(p => Ratio(p.Large!.MedianGradNormSq, p.Small.MedianGradNormSq)).ToArray();
                var step = pairs.Select(p => Ratio(p.Large!.MedianStep, p.Small.MedianStep)).ToArray();
                sentences.Add(F($"Batch {other} instead of {batch} multiplies the median ‖g‖² by {GeoMean(grad):G2} (from {grad.Min():G2} to {grad.Max():G2} over the rungs) and the median step by {GeoMean(step):G2} ({step.Min():G2} to {step.Max():G2}): ") +
                    (GeoMean(step) > 1 ? "a larger batch averages the gradient's noise away, ‖g‖² shrinks and the Polyak step grows." : "the step does not grow with the batch here."));
            }
        }

        var thrown = results.Where(r => r.Steps.Count > 1 && r.MaxLossAfterFirst > r.First.Loss).ToArray();
        var aboveUnigram = results.Where(r => r.Steps.Count > 1 && r.LastLoss > ladder.UnigramLoss).ToArray();
        sentences.Add(F($"Within the measured steps the mini-batch loss rose above its starting value on {thrown.Length} of {results.Length} runs, and ended above the unigram level ({ladder.UnigramLoss:F2}, a model that ignores context) on {aboveUnigram.Length} of {results.Length}") +
            (thrown.Length > 0 ? F($" (largest step {results.Max(r => r.MaxStep):G3}, on {results.MaxBy(r => r.MaxStep)!.Rung} at batch {results.MaxBy(r => r.MaxStep)!.Batch}).") : "."));
        var timing = results.GroupBy(r => r.Rung).Select(g => F($"{g.Key} {string.Join(" / ", g.OrderBy(r => r.Batch).Select(r => $"{r.SecondsPerStep * 1000:F0}"))} ms"));
        sentences.Add($"A step took {string.Join(", ", timing)} (batch {string.Join(" / ", ladder.Batches)}) on {ladder.Machine}.");
        return sentences;
    }

    /// <summary>Consecutive rungs that differ in exactly one of width, depth, context and dropout (heads do not change
    /// the parameter count), each named by what changed.</summary>
    public static IEnumerable<(ProbeResult From, ProbeResult To, string What)> OneChangePairs(IReadOnlyList<ProbeResult> rows)
    {
        for (int i = 1; i < rows.Count; i++)
        {
            var (a, b) = (rows[i - 1], rows[i]);
            var changes = new List<string>();
            if (a.NEmbd != b.NEmbd) changes.Add(F($"Width {a.NEmbd} → {b.NEmbd}"));
            if (a.NLayer != b.NLayer) changes.Add(F($"Depth {a.NLayer} → {b.NLayer} layers"));
            if (a.Block != b.Block) changes.Add(F($"Context {a.Block} → {b.Block}"));
            if (a.Dropout != b.Dropout) changes.Add(F($"Dropout {a.Dropout} → {b.Dropout}"));
            if (changes.Count == 1) yield return (a, b, changes[0]);
        }
    }

    /// <summary>Least-squares slope of log y on log x (positive points only; NaN with fewer than two).</summary>
    public static double Slope(IEnumerable<(double X, double Y)> points)
    {
        var p = points.Where(q => q.X > 0 && q.Y > 0 && double.IsFinite(q.Y)).Select(q => (X: Math.Log(q.X), Y: Math.Log(q.Y))).ToArray();
        if (p.Length < 2) return double.NaN;
        double mx = p.Average(q => q.X), my = p.Average(q => q.Y);
        double sxx = p.Sum(q => (q.X - mx) * (q.X - mx));
        return sxx == 0 ? double.NaN : p.Sum(q => (q.X - mx) * (q.Y - my)) / sxx;
    }

    private static double Ratio(double a, double b) => b == 0 ? double.NaN : a / b;

    private static double GeoMean(IReadOnlyList<double> values) => Math.Exp(values.Where(v => v > 0).Select(v => Math.Log(v)).DefaultIfEmpty(double.NaN).Average());

    private static string F(FormattableString s) => s.ToString(Invariant);
}
