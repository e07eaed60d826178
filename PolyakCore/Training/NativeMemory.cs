using System.Runtime.InteropServices;

namespace PolyakCore.Training;

/// <summary>Keeps native memory flat under TorchSharp on Linux.</summary>
/// <remarks>glibc raises its mmap threshold after large blocks are freed, so libtorch buffers of a few MB
/// land in the heap, where small finalizer-freed objects pin its top and RSS creeps up. A fixed
/// threshold (as MALLOC_MMAP_THRESHOLD_=131072 does) returns every block ≥ 128 KB to the OS on free.</remarks>
public static partial class NativeMemory
{
    private const int MmapThreshold = -3;   // M_MMAP_THRESHOLD in malloc.h

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);

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

    /// <summary>Call once at start-up; a no-op off Linux. Returns true when applied.</summary>
    public static bool FixMmapThreshold(int bytes = 128 * 1024)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try { return Mallopt(MmapThreshold, bytes) == 1; }
        catch (DllNotFoundException) { return false; }
        catch (EntryPointNotFoundException) { return false; }   // musl has no mallopt
    }
}
