namespace PolyakCore.Training;

/// <summary>Runs synchronous training code on a dedicated thread and hands back a task.</summary>
/// <remarks>TorchSharp's dispose scopes and no_grad are thread-local, so an await inside a step could
/// resume elsewhere with gradients on; a long run must also not hold a thread-pool thread.</remarks>
public static class RunThread
{
    /// <param name="torchThreads">Torch threads for this thread's ops (see <see cref="TorchThreads"/>); null: the default.</param>
    public static Task<T> Start<T>(Func<T> work, string name = "training", int? torchThreads = null)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                TorchThreads.Use(torchThreads ?? TorchThreads.Default);
                completion.SetResult(work());
            }
            catch (Exception e) { completion.SetException(e); }
            finally
            {
                if (torchThreads is { } count && count != TorchThreads.Default) TorchThreads.Restore();
            }
        })
        { IsBackground = true, Name = name };
        thread.Start();
        return completion.Task;
    }
}
