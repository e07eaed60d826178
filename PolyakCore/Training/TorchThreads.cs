using static TorchSharp.torch;

namespace PolyakCore.Training;

/// <summary>Torch's intra-op thread count, per thread: training uses the default (one per core), generation one.</summary>
/// <remarks>With OpenMP, ATen keeps the count per thread, but <c>set_num_threads</c> also stores it as the value each
/// thread adopts on its first parallel op. So a thread that wants its own count first asks (which settles its own
/// from that stored value) and then sets; and a thread that set a different count puts the default back when it ends.</remarks>
public static class TorchThreads
{
    private static readonly Lazy<int> DefaultCount = new(get_num_threads);

    /// <summary>Torch's own default (the physical cores, or what the environment set), read before anyone changes it.</summary>
    public static int Default => DefaultCount.Value;

    /// <summary>Makes the calling thread use <paramref name="count"/> threads for its torch ops.</summary>
    public static void Use(int count)
    {
        _ = Default;
        get_num_threads();
        set_num_threads(Math.Max(1, count));
    }

    /// <summary>Stores the default again as the count threads adopt (call as a thread with another count ends).</summary>
    public static void Restore() => set_num_threads(Default);
}
