using System.Runtime.InteropServices;

namespace PolyakCore.Training;

/// <summary>Native memory under TorchSharp on Linux: fast while training, given back between epochs and runs.</summary>
/// <remarks>glibc hands blocks above its mmap threshold (128 KB at start) straight to the OS on free, so a tensor of a few
/// MB costs an mmap, page faults that zero every page, and an munmap — each time. A training step frees and reallocates
/// the same activations step after step: with the threshold fixed at 128 KB (what we did at first, to keep RSS flat) a
/// tiny-GPT step spent a third of its CPU time in the kernel and ran 1.6× slower than with the blocks kept (bench/TextBench
/// -- steps with MALLOC_MMAP_THRESHOLD_=131072 against without). So blocks up to <see cref="HeapBlockLimit"/> stay in the heap and are reused, and
/// <see cref="ReleaseFreePages"/> returns freed pages (also from the middle of a heap, where small finalizer-freed
/// objects pin its top) at each epoch's end and after each run.</remarks>
public static partial class NativeMemory
{
    private const int MmapThreshold = -3, TrimThreshold = -1;   // M_MMAP_THRESHOLD, M_TRIM_THRESHOLD in malloc.h

    /// <summary>glibc's own ceiling for its adaptive threshold (DEFAULT_MMAP_THRESHOLD_MAX on 64-bit): the report's
    /// model at batch 8 allocates 12.6 MB blocks, which stay below it.</summary>
    public const int HeapBlockLimit = 32 * 1024 * 1024;

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    /// <summary>Makes OpenMP's idle threads sleep instead of spin (OMP_WAIT_POLICY=PASSIVE) unless the environment
    /// says otherwise. Must run before the first torch call. Spinning threads fight over two shared cores: a tiny-GPT
    /// step measured 1.9 s with spinning and 0.22 s passive while other work ran.</summary>
    /// <remarks>.NET's Environment.SetEnvironmentVariable does not reach native getenv on Unix, hence setenv.</remarks>
    public static bool PreferPassiveThreads()
    {
        if (OperatingSystem.IsWindows() || Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null) return false;
        try { return SetEnv("OMP_WAIT_POLICY", "PASSIVE", 0) == 0; }
        catch (DllNotFoundException) { return false; }
        catch (EntryPointNotFoundException) { return false; }
    }

    /// <summary>Gives the pages of freed blocks back to the OS (glibc's malloc_trim(0): free chunks in every arena,
    /// also in the middle of a heap, and the main heap's top; a thread heap's top goes only once it passes the trim
    /// threshold, so each training thread may keep up to 64 MB). Cheap enough for an epoch's end; a no-op off Linux.
    /// Returns true when pages were released.</summary>
    public static bool ReleaseFreePages()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try { return MallocTrim(0) == 1; }
        catch (DllNotFoundException) { return false; }
        catch (EntryPointNotFoundException) { return false; }   // musl
    }

    /// <summary>Call once at start-up, before the first torch call; a no-op off Linux, and when the environment sets
    /// glibc's own MALLOC_MMAP_THRESHOLD_ (MALLOC_MMAP_THRESHOLD_=131072 measures the old way). True when applied.</summary>
    /// <remarks>Fixing the threshold turns off glibc's adaptive one, so the top of the heap is trimmed only by
    /// <see cref="ReleaseFreePages"/> (hence the trim threshold twice as high), not after every step.</remarks>
    public static bool KeepBlocksForReuse()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is not null) return false;
        try { return Mallopt(MmapThreshold, HeapBlockLimit) == 1 && Mallopt(TrimThreshold, 2 * HeapBlockLimit) == 1; }
        catch (DllNotFoundException) { return false; }
        catch (EntryPointNotFoundException) { return false; }   // musl has no mallopt
    }
}
