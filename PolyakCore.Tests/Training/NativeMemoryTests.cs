using PolyakCore.Training;
using static TorchSharp.torch;

namespace PolyakCore.Tests.Training;

/// <summary>Alone, so no other test's tensors come and go while resident memory is read.</summary>
[CollectionDefinition(nameof(ResidentMemoryCollection), DisableParallelization = true)]
public sealed class ResidentMemoryCollection;

[Collection(nameof(ResidentMemoryCollection))]
public class NativeMemoryTests
{
    /// <summary>Freed blocks of a few MB stay in the heap for the next step (no mmap, no page faults), and
    /// ReleaseFreePages gives their pages back.</summary>
    /// <remarks>24 MB in all: a thread's arena grows in heaps of 64 MB, and a later heap that falls empty is unmapped
    /// whatever the thresholds say (glibc's heap_trim), so the blocks must fit the arena's first heap. Each block has a
    /// small tensor after it that stays, as a training step's long-lived objects do: a freed block then sits in the
    /// heap's free lists, which malloc_trim releases in every arena, instead of joining the top of a thread's heap,
    /// which only the trim threshold releases.</remarks>
    [Fact]
    public void FreedBlocksAreKeptForReuseUntilReleased()
    {
        if (!OperatingSystem.IsLinux()) return;                       // glibc's allocator: nothing to test elsewhere
        Assert.True(NativeMemory.KeepBlocksForReuse(), "mallopt refused the thresholds");
        NativeMemory.ReleaseFreePages();
        long before = Resident();

        var blocks = new List<Tensor>();
        var pins = new List<Tensor>();
        for (int i = 0; i < 12; i++) { blocks.Add(ones(1 << 19)); pins.Add(ones(16)); }   // 12 × 2 MB, every page touched
        long held = Resident();
        foreach (var block in blocks) block.Dispose();
        long freed = Resident();
        NativeMemory.ReleaseFreePages();
        long released = Resident();
        foreach (var pin in pins) pin.Dispose();

        const long mb = 1 << 20;
        Assert.True(held - before > 20 * mb, $"RSS {before / mb} → {held / mb} MB with 24 MB of tensors");
        Assert.True(held - freed < 6 * mb, $"the freed blocks left the process ({held / mb} → {freed / mb} MB): each reuse would fault its pages in again");
        Assert.True(freed - released > 12 * mb, $"ReleaseFreePages kept them ({freed / mb} → {released / mb} MB)");
    }

    private static long Resident() =>
        long.Parse(File.ReadAllText("/proc/self/statm").Split(' ')[1]) * Environment.SystemPageSize;
}
