namespace PolyakDashboard.Components.Experiments;

/// <summary>Re-renders a page a few times a second while something it shows is training (progress text only:
/// chart data never goes through renders).</summary>
public sealed class ProgressTicker(Func<Task> render, Func<bool> busy, TimeSpan interval, TimeProvider time) : IDisposable
{
    private CancellationTokenSource? _cancel;

    public void Start()
    {
        _cancel?.Cancel();
        _cancel = new CancellationTokenSource();
        _ = TickAsync(_cancel.Token);
    }

    private async Task TickAsync(CancellationToken cancel)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancel))
            {
                await render();
                if (!busy()) return;
            }
        }
        catch (OperationCanceledException) { }
    }

    public void Dispose() => _cancel?.Cancel();
}
