namespace PolyakCore.Export;

/// <summary>Min/max bucket decimation: keeps each bucket's first, lowest and highest point, so spikes
/// survive (a Polyak step of 10⁴ must not vanish from a chart) while a million points become a few thousand.</summary>
public static class Decimation
{
    /// <summary>Indices of the points to keep, in order; all of them when there are at most <paramref name="target"/>.</summary>
    public static int[] MinMax(IReadOnlyList<double> values, int target)
    {
        int n = values.Count;
        if (n <= target || target < 4) return [.. Enumerable.Range(0, n)];
        int buckets = target / 2;
        var keep = new List<int>(target + 2);
        for (int b = 0; b < buckets; b++)
        {
            int start = (int)((long)b * n / buckets), end = (int)((long)(b + 1) * n / buckets);
            if (end <= start) continue;
            int lo = -1, hi = -1;
            for (int i = start; i < end; i++)
            {
                double v = values[i];
                if (double.IsNaN(v)) continue;
                if (lo < 0 || v < values[lo]) lo = i;
                if (hi < 0 || v > values[hi]) hi = i;
            }
            if (lo < 0) { keep.Add(start); continue; }
            if (lo == hi) keep.Add(lo);
            else { keep.Add(Math.Min(lo, hi)); keep.Add(Math.Max(lo, hi)); }
        }
        if (keep[^1] != n - 1) keep.Add(n - 1);   // the latest point always shows
        return [.. keep];
    }
}
