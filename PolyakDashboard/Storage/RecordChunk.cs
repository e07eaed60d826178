using System.Runtime.InteropServices;
using PolyakCore.Training;

namespace PolyakDashboard.Storage;

/// <summary>Consecutive batch records of one run packed into one blob, column by column: one SQLite row per
/// flush instead of one per record (a record costs tens of nanoseconds to pack, not microseconds to insert),
/// and a chart reads a million records as a few hundred blobs.</summary>
/// <remarks>Layout, little-endian, n records: int32 columns step, epoch, evaluations, parameter count (−1 for
/// none); float64 columns seconds, loss, step size, ‖g‖², effective step (NaN kept); then every record's
/// parameters, float64, one after another.</remarks>
internal static class RecordChunk
{
    private const int IntColumns = 4, DoubleColumns = 5;
    private const int FixedBytes = IntColumns * sizeof(int) + DoubleColumns * sizeof(double);

    public static byte[] Pack(IReadOnlyList<BatchRecord> records)
    {
        int n = records.Count;
        long parameters = 0;
        foreach (var r in records) parameters += r.Parameters?.Length ?? 0;
        var data = new byte[checked(n * FixedBytes + (int)parameters * sizeof(double))];
        var ints = Ints(data, n);
        var doubles = Doubles(data, n);
        int p = DoubleColumns * n;
        for (int i = 0; i < n; i++)
        {
            var r = records[i];
            (ints[i], ints[n + i], ints[2 * n + i], ints[3 * n + i]) = (r.Step, r.Epoch, r.Evaluations, r.Parameters?.Length ?? -1);
            (doubles[i], doubles[n + i], doubles[2 * n + i]) = (r.Seconds, r.Loss, r.StepSize);
            (doubles[3 * n + i], doubles[4 * n + i]) = (r.GradNormSq, r.EffectiveStep);
            if (r.Parameters is { } values)
            {
                values.CopyTo(doubles[p..]);
                p += values.Length;
            }
        }
        return data;
    }

    /// <summary>Whether <paramref name="data"/> is a well-formed chunk of <paramref name="n"/> records with steps
    /// increasing (so a corrupt blob is skipped, never misread).</summary>
    public static bool IsValid(byte[] data, int n)
    {
        if (n <= 0 || data.Length < (long)n * FixedBytes) return false;
        var ints = Ints(data, n);
        long parameters = 0;
        for (int i = 0; i < n; i++)
        {
            if (i > 0 && ints[i] <= ints[i - 1]) return false;
            int count = ints[3 * n + i];
            if (count < -1) return false;
            parameters += Math.Max(0, count);
        }
        return data.Length == (long)n * FixedBytes + parameters * sizeof(double);
    }

    /// <summary>The step of record <paramref name="i"/>.</summary>
    public static int Step(byte[] data, int n, int i) => Ints(data, n)[i];

    /// <summary>How many of the chunk's records have a step below <paramref name="limit"/> (steps increase).</summary>
    public static int CountBelow(byte[] data, int n, int limit)
    {
        int index = Ints(data, n)[..n].BinarySearch(limit);
        return index >= 0 ? index : ~index;
    }

    /// <summary>The first <paramref name="take"/> records, in full.</summary>
    public static void ReadRecords(byte[] data, int n, int take, List<BatchRecord> into)
    {
        var ints = Ints(data, n);
        var doubles = Doubles(data, n);
        int p = DoubleColumns * n;
        for (int i = 0; i < take; i++)
        {
            int count = ints[3 * n + i];
            double[]? parameters = count < 0 ? null : doubles.Slice(p, count).ToArray();
            p += Math.Max(0, count);
            into.Add(new BatchRecord(ints[i], ints[n + i], doubles[n + i], doubles[2 * n + i], doubles[3 * n + i],
                doubles[4 * n + i], ints[2 * n + i], parameters) { Seconds = doubles[i] });
        }
    }

    /// <summary>The first <paramref name="take"/> records' chart columns, copied into <paramref name="into"/> at <paramref name="at"/>.</summary>
    public static void ReadColumns(byte[] data, int n, int take, BatchColumns into, int at)
    {
        var ints = Ints(data, n);
        var doubles = Doubles(data, n);
        ints[..take].CopyTo(into.Step.AsSpan(at));
        ints.Slice(n, take).CopyTo(into.Epoch.AsSpan(at));
        doubles[..take].CopyTo(into.Seconds.AsSpan(at));
        doubles.Slice(n, take).CopyTo(into.Loss.AsSpan(at));
        doubles.Slice(2 * n, take).CopyTo(into.StepSize.AsSpan(at));
    }

    private static Span<int> Ints(byte[] data, int n) => MemoryMarshal.Cast<byte, int>(data.AsSpan(0, IntColumns * sizeof(int) * n));
    private static Span<double> Doubles(byte[] data, int n) => MemoryMarshal.Cast<byte, double>(data.AsSpan(IntColumns * sizeof(int) * n));
}
