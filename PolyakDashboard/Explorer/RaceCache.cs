using Microsoft.Extensions.Caching.Memory;
using PolyakCore.Explorer;

namespace PolyakDashboard.Explorer;

/// <summary>Recent explorer races by their settings (the URL query), computed once however many viewers ask:
/// when fifty followers open the presenter's view at once, the server runs that race once.</summary>
/// <remarks>A race is deterministic in its settings. At most <see cref="Capacity"/> races are kept (each is a few
/// hundred KB); concurrent requests for the same settings share one computation.</remarks>
public sealed class RaceCache : IDisposable
{
    public const int Capacity = 32;
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = Capacity });

    /// <summary>The race for valid settings (validate first: <see cref="TwoWellRace.Validate"/>).</summary>
    public RaceResult Get(RaceSettings settings)
    {
        string key = RaceQuery.ToQuery(settings);
        var lazy = _cache.GetOrCreate(key, entry =>
        {
            entry.Size = 1;
            entry.SlidingExpiration = TimeSpan.FromMinutes(10);
            return new Lazy<RaceResult>(() => TwoWellRace.Run(settings), LazyThreadSafetyMode.ExecutionAndPublication);
        })!;
        try { return lazy.Value; }
        catch { _cache.Remove(key); throw; }        // a failed race is not kept
    }

    public void Dispose() => _cache.Dispose();
}
