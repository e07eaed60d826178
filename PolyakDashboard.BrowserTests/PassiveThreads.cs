using System.Runtime.CompilerServices;
using PolyakCore.Training;

namespace PolyakDashboard.BrowserTests;

/// <summary>Applies the server's start-up settings before any test touches torch: OMP_WAIT_POLICY only counts before
/// the first torch call, and tests that write checkpoints before starting the app would otherwise leave torch's
/// threads spinning (a generation measured 30 characters/s instead of over a thousand on the shared 2-core machine).</summary>
internal static class PassiveThreads
{
    [ModuleInitializer]
    internal static void Apply()
    {
        NativeMemory.PreferPassiveThreads();
        NativeMemory.KeepBlocksForReuse();
    }
}
