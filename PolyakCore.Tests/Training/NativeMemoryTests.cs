using StructLayoutAttribute = System.Runtime.InteropServices.StructLayoutAttribute;
using LayoutKind = System.Runtime.InteropServices.LayoutKind;
using DllImportAttribute = System.Runtime.InteropServices.DllImportAttribute;
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
    /// whatever the thresholds say (glibc's heap_trim), so the blocks must fit the arena's first heap. Read from glibc's
    /// own books (mallinfo2, over every arena), not from RSS: the blocks may reuse free memory earlier tests left
    /// resident — then RSS barely grows, and a resident-memory test cannot tell kept from released (CI runs failed so,
    /// RSS +15–17 MB for these 24, even on a thread of its own: a new thread takes over an ended thread's arena).</remarks>
    [Fact]
    public void FreedBlocksAreKeptForReuse()
    {
        if (!OperatingSystem.IsLinux()) return;                       // glibc's allocator: nothing to test elsewhere
        Assert.True(NativeMemory.KeepBlocksForReuse(), "mallopt refused the thresholds");
        NativeMemory.ReleaseFreePages();
        var before = MallInfo2();

        var blocks = Enumerable.Range(0, 12).Select(_ => ones(1 << 19)).ToList();   // 12 × 2 MB
        var held = MallInfo2();
        foreach (var block in blocks) block.Dispose();
        var freed = MallInfo2();

        const long mb = 1 << 20;
        // Not mmapped one by one (each would be an mmap, page faults and an munmap per use) ...
        Assert.True((long)held.Hblkhd - (long)before.Hblkhd < 4 * mb, $"mmapped {before.Hblkhd / mb} → {held.Hblkhd / mb} MB for 24 MB of tensors");
        Assert.True((long)held.Uordblks - (long)before.Uordblks > 20 * mb, $"heap in use {before.Uordblks / mb} → {held.Uordblks / mb} MB for 24 MB of tensors");
        // ... and, freed, still the process's: the heap's memory from the system did not shrink.
        Assert.True((long)held.Arena - (long)freed.Arena < 6 * mb, $"the freed blocks left the process (heap {held.Arena / mb} → {freed.Arena / mb} MB): each reuse would fault its pages in again");
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct MallocInfo(nuint Arena, nuint Ordblks, nuint Smblks, nuint Hblks, nuint Hblkhd,
        nuint Usmblks, nuint Fsmblks, nuint Uordblks, nuint Fordblks, nuint Keepcost);

    [DllImport("libc", EntryPoint = "mallinfo2")]
    private static extern MallocInfo MallInfo2();
}
