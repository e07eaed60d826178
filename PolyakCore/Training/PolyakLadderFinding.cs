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
        if (Headline(ladder, results) is { } headline) sentences.Add(headline);
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
                var firstGrad = pairs.Select(p => Ratio(p.Large!.First.GradNormSq, p.Small.First.GradNormSq)).ToArray();
                sentences.Add(F($"At the first step (the same initial model) batch {other} instead of {batch} multiplies ‖g‖² by {firstGrad.Min():G2} to {firstGrad.Max():G2}") +
                    (firstGrad.All(r => r is > 0.8 and < 1.25) ? ": the starting gradient is mostly signal, not mini-batch noise." : "."));
                sentences.Add(F($"Over the first steps, batch {other} instead of {batch} multiplies the median ‖g‖² by {GeoMean(grad):G2} (from {grad.Min():G2} to {grad.Max():G2} over the rungs) and the median step by {GeoMean(step):G2} ({step.Min():G2} to {step.Max():G2}): ") +
                    (GeoMean(step) > 1 ? "a larger batch averages the gradient's noise away, ‖g‖² shrinks and the Polyak step grows." : "the step does not grow with the batch here."));
            }
        }

        var shares = results.Select(r => (r.Rung, r.Batch, Share: (double)r.Steps.Count(x => x.StepSize > 1) / r.Steps.Count)).ToArray();
        sentences.Add("Share of steps above 1: " + string.Join(", ", shares.GroupBy(l => l.Rung).Select(g => $"{g.Key} {string.Join(" / ", g.OrderBy(l => l.Batch).Select(l => (l.Share * 100).ToString("F0", Invariant) + "%"))}"))
            + F($" (batch {string.Join(" / ", ladder.Batches)})."));
        // What a step did: the loss of the next mini-batch against this one's, after a large step and after the others.
        var after = results.SelectMany(r => r.Steps.Zip(r.Steps.Skip(1), (now, next) => (now.StepSize, Change: next.Loss - now.Loss))).ToArray();
        var big = after.Where(a => a.StepSize > 1).Select(a => a.Change).ToArray();
        var rest = after.Where(a => a.StepSize <= 1).Select(a => a.Change).ToArray();
        if (big.Length > 0 && rest.Length > 0)
            sentences.Add(F($"After the {big.Length} step{(big.Length == 1 ? "" : "s")} above 1 the next mini-batch loss was higher {big.Count(c => c > 0)} times (median change {Median(big):+0.00;−0.00} nats); after the other {rest.Length} steps, {rest.Count(c => c > 0)} times (median {Median(rest):+0.00;−0.00})."));
        var climbed = results.Where(r => r.Steps.Count > 1 && r.MaxLossAfterFirst >= r.First.Loss + 1).ToArray();
        var belowUnigram = results.Where(r => r.Steps.Min(x => x.Loss) < ladder.UnigramLoss).ToArray();
        var worst = results.MaxBy(r => r.Steps.Max(x => x.Loss))!;
        sentences.Add(F($"The mini-batch loss climbed 1 nat or more above its start on {climbed.Length} of {results.Length} runs (highest {worst.Steps.Max(x => x.Loss):F1}, {worst.Rung} at batch {worst.Batch}, after a step of {worst.MaxStep:G3}), ") +
            F($"and got below the unigram level ({ladder.UnigramLoss:F2}, a model that ignores context) on {belowUnigram.Length} of {results.Length}."));
        var timing = results.GroupBy(r => r.Rung).Select(g => F($"{g.Key} {string.Join(" / ", g.OrderBy(r => r.Batch).Select(r => $"{r.SecondsPerStep * 1000:F0}"))} ms"));
        sentences.Add($"A step took {string.Join(", ", timing)} (batch {string.Join(" / ", ladder.Batches)}; wall-clock on {ladder.Machine}, which other jobs may have shared: upper bounds).");
        return sentences;
    }

    /// <summary>The answer in one sentence: how the step moves with size, and what the large steps did, from the first batch size's rows.</summary>
    private static string? Headline(PolyakLadder ladder, IReadOnlyList<ProbeResult> results)
    {
        var rows = results.Where(r => r.Batch == ladder.Batches[0]).OrderBy(r => r.Parameters).ToArray();
        if (rows.Length < 2) return null;
        var (small, large) = (rows[0], rows[^1]);
        double slope = Slope(rows.Select(r => ((double)r.Parameters, r.MedianStep)));
        string trend = slope < -0.1 ? "shrinks as the model grows" : slope > 0.1 ? "grows with the model" : "hardly changes with the model's size";
        var text = F($"The Polyak step {trend}: its median over the first steps is {small.MedianStep:G2} on {small.Rung} and {large.MedianStep:G2} on {large.Rung} (batch {small.Batch}). ");
        var pairs = results.SelectMany(r => r.Steps.Zip(r.Steps.Skip(1), (now, next) => (now.StepSize, Rose: next.Loss > now.Loss))).Where(p => p.StepSize > 1).ToArray();
        int smallAbove = small.Steps.Count(x => x.StepSize > 1);
        text += smallAbove == 0
            ? F($"No step on {small.Rung} exceeds 1 (largest {small.MaxStep:G2}).")
            : F($"On {small.Rung}, {smallAbove} of {small.Steps.Count} steps exceed 1 (up to {small.MaxStep:G3}), and over all runs the next mini-batch loss rose after {pairs.Count(p => p.Rose)} of the {pairs.Length} steps above 1 that had a next one; ") +
              F($"on {large.Rung} the largest step is {large.MaxStep:G2}.");
        return text;
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

    private static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static double Ratio(double a, double b) => b == 0 ? double.NaN : a / b;

    private static double GeoMean(IReadOnlyList<double> values) => Math.Exp(values.Where(v => v > 0).Select(v => Math.Log(v)).DefaultIfEmpty(double.NaN).Average());

    private static string F(FormattableString s) => s.ToString(Invariant);
}
