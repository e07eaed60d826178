using PolyakCore.Training;
using static TorchSharp.torch;

namespace PolyakCore.Tests.Training;

/// <summary>Alone, so no other test's tensors come and go while resident memory is read.</summary>
[CollectionDefinition(nameof(ResidentMemoryCollection), DisableParallelization = true)]
public sealed class ResidentMemoryCollection;

[Collection(nameof(ResidentMemoryCollection))]
public class NativeMemoryTests
{
    /// <summary>Freed blocks of a few MB stay in the heap for the next step (no mmap, no page faults each time).</summary>
    /// <remarks>24 MB in all: a thread's arena grows in heaps of 64 MB, and a later heap that falls empty is unmapped
    /// whatever the thresholds say (glibc's heap_trim), so the blocks must fit the arena's first heap. What
    /// ReleaseFreePages gives back is not asserted: malloc_trim releases free chunks in every arena, but the top of a
    /// thread's heap only past the trim threshold, and whether these blocks end in a free list or in that top depends
    /// on what earlier tests left in the arena (in a whole test run they joined the top and stayed; alone, they went).
    /// On a thread of its own, so on an arena of its own: on the test runner's thread the first 24 MB could reuse free
    /// memory earlier tests had left resident (RSS grew by 17 MB once, after the ensembles' collection test).</remarks>
    [Fact]
    public void FreedBlocksAreKeptForReuse()
    {
        if (!OperatingSystem.IsLinux()) return;                       // glibc's allocator: nothing to test elsewhere
        Assert.True(NativeMemory.KeepBlocksForReuse(), "mallopt refused the thresholds");
        Exception? failure = null;
        var thread = new Thread(() => { try { AllocateFreeAndMeasure(); } catch (Exception e) { failure = e; } });
        thread.Start();
        thread.Join();
        if (failure is not null) throw failure;
    }

    private static void AllocateFreeAndMeasure()
    {
        NativeMemory.ReleaseFreePages();
        long before = Resident();

        var blocks = Enumerable.Range(0, 12).Select(_ => ones(1 << 19)).ToList();   // 12 × 2 MB, every page touched
        long held = Resident();
        foreach (var block in blocks) block.Dispose();
        long freed = Resident();

        const long mb = 1 << 20;
        Assert.True(held - before > 20 * mb, $"RSS {before / mb} → {held / mb} MB with 24 MB of tensors");
        Assert.True(held - freed < 6 * mb, $"the freed blocks left the process ({held / mb} → {freed / mb} MB): each reuse would fault its pages in again");
    }

    private static long Resident() =>
        long.Parse(File.ReadAllText("/proc/self/statm").Split(' ')[1]) * Environment.SystemPageSize;
}
