namespace PolyakDashboard.Components.Experiments;

/// <summary>The hub bindings of the launch a page shows. Showing another launch starts a new generation: bindings
/// still arriving for an older one are dropped, so a slow bind never feeds the new launch's charts.</summary>
public sealed class LaunchBindings : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _bindings = [];
    private bool _disposed;

    /// <summary>Bumps with every launch shown; async work for an older one stops when it sees a newer number.</summary>
    public int Generation { get; private set; }

    public int Next() => ++Generation;

    public bool IsCurrent(int generation) => generation == Generation && !_disposed;

    /// <summary>Keeps a binding made for <paramref name="generation"/>, or disposes it when that launch is gone.</summary>
    public async Task KeepAsync(ValueTask<IAsyncDisposable> binding, int generation)
    {
        var b = await binding;
        if (IsCurrent(generation)) _bindings.Add(b);
        else await b.DisposeAsync();
    }

    public async Task UnbindAsync()
    {
        var old = _bindings.ToArray();   // a bind in flight may still be adding to the list meanwhile
        _bindings.Clear();
        foreach (var binding in old) await binding.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        await UnbindAsync();
    }
}
