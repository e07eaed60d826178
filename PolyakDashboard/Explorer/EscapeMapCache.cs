using Microsoft.Extensions.Caching.Memory;
using PolyakCore.Explorer;

namespace PolyakDashboard.Explorer;

/// <summary>Recently computed escape maps by what they depend on. The map is in the explorer's shareable URL: when the
/// presenter computes one, every follower opens that URL, and each gets the finished map from here instead of
/// computing seconds of runs again (or being told the server is busy).</summary>
/// <remarks>A map is deterministic in its settings. Only finished maps are kept (a cancelled one is partial), at most
/// <see cref="Capacity"/> of them (tens of KB each).</remarks>
public sealed class EscapeMapCache : IDisposable
{
    public const int Capacity = 16;
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = Capacity });

    /// <summary>The cache key: the race settings a map depends on, its optimizer, grid and orders.</summary>
    public static string Key(RaceSettings settings, string optimizer, int size, int seeds) =>
        $"{RaceQuery.ToQuery(EscapeMapView.MapPart(settings))}|{optimizer}|{size}|{seeds}";

    public EscapeMapResult? Find(string key) => _cache.Get<EscapeMapResult>(key);

    public void Add(string key, EscapeMapResult map) =>
        _cache.Set(key, map, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromMinutes(30) });

    public void Dispose() => _cache.Dispose();
}
