using System.Collections.Concurrent;
using PolyakCore.Problems;
using PolyakCore.Training;

namespace PolyakDashboard.Runs;

/// <summary>Closed-form optima (least squares) and their losses, cached per data set: pages ask on every render.</summary>
public static class Optima
{
    private static readonly ConcurrentDictionary<(string, int?, double?, int), (double[]? Theta, double? Loss)> Cache = new();

    public static double[]? Theta(RunRequest r) => Get(r).Theta;

    public static double? Loss(RunRequest r) => Get(r).Loss;

    private static (double[]? Theta, double? Loss) Get(RunRequest r) =>
        Cache.GetOrAdd((r.Problem, r.ProblemOptions.Points, r.ProblemOptions.Noise, r.ProblemOptions.DataSeed), _ =>
        {
            using var problem = ProblemCatalog.Create(r.Problem, r.ProblemOptions);
            return (problem.Optimum, problem.OptimalLoss);
        });
}
