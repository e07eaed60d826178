namespace PolyakCore.Tests;

/// <summary>Compares doubles within an absolute tolerance, for Assert.Equal on sequences.</summary>
internal sealed class Tolerance(double tolerance) : IEqualityComparer<double>
{
    public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance;
    public int GetHashCode(double value) => 0;
}
