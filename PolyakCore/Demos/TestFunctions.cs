using PolyakCore.Shared;
using static TorchSharp.torch;

namespace PolyakCore.Demos;

/// <summary>Two-dimensional test functions for the line-search demonstration, written for (K, 2) rows.</summary>
public static class TestFunctions
{
    public const string IllConditioned = "ill-conditioned", Rosenbrock = "rosenbrock";

    public static IReadOnlyList<string> Names { get; } = [IllConditioned, Rosenbrock];

    /// <summary>f for each row of θ (K, 2) → (K).</summary>
    public static Tensor Evaluate(string name, Tensor theta)
    {
        // With kept Scalars: TorchSharp's number operands can be freed mid-op (see KeptScalars).
        var x = theta.select(1, 0);
        var y = theta.select(1, 1);
        return name switch
        {
            // ½(x² + 20y²): condition number 20, minimum 0 at the origin (so Polyak's f* = 0 is exact).
            IllConditioned => x.Squared().Plus_(y.Squared().Scale_(20)).Scale_(0.5),
            // (1 − x)² + 10(y − x²)²: a curved valley, minimum 0 at (1, 1).
            Rosenbrock => x.neg().Shift_(1).Squared().Plus_(y.sub(x.Squared()).Squared().Scale_(10)),
            _ => throw new ArgumentException($"Unknown function '{name}'. Known: {string.Join(", ", Names)}.", nameof(name)),
        };
    }

    public static double Evaluate(string name, double x, double y) => name switch
    {
        IllConditioned => 0.5 * (x * x + 20 * y * y),
        Rosenbrock => (1 - x) * (1 - x) + 10 * (y - x * x) * (y - x * x),
        _ => throw new ArgumentException($"Unknown function '{name}'.", nameof(name)),
    };

    public static (double X, double Y) Minimum(string name) => name == Rosenbrock ? (1, 1) : (0, 0);
}
