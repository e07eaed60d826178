namespace PolyakCore.Problems;

/// <summary>Seeded uniform and Gaussian draws, System.Random's numbers for the seed (stable across .NET versions; see
/// <see cref="SubtractiveRandom"/>), kept apart from torch's global generator so concurrent runs cannot disturb each other.</summary>
public sealed class SeededRandom(int seed)
{
    private readonly SubtractiveRandom _random = new(seed);
    private double? _spare;

    public double Uniform(double low, double high) => low + (high - low) * _random.NextDouble();

    /// <summary>Standard normal by the Box–Muller transform.</summary>
    public double Normal()
    {
        if (_spare is { } s) { _spare = null; return s; }
        double u1 = 1.0 - _random.NextDouble(), u2 = _random.NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spare = r * Math.Sin(2 * Math.PI * u2);
        return r * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle(int[] items) => _random.Shuffle(items);

    /// <summary>Independent streams from one user seed (data, initial parameters, shuffling).</summary>
    public static SeededRandom Stream(int seed, int stream) => new(unchecked(seed * 1_000_003 + stream * 7919 + 17));
}
