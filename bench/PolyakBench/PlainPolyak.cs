using PolyakCore.Problems;
using PolyakCore.Training;

namespace PolyakBench;

/// <summary>The reference: 1a's Polyak SGD step written out on arrays, same data, shuffling and start.</summary>
internal static class PlainPolyak
{
    public static double Run(QuadraticProblem problem, RunRequest request)
    {
        var x = problem.Inputs.data<double>().ToArray();     // (N, 3) row-major: x, x², 1
        var y = problem.Targets.data<double>().ToArray();
        var theta = problem.InitialParameters(request.Seed);
        var schedule = new BatchSchedule(request.Seed, problem.Count, request.BatchSize);
        for (int epoch = 0; epoch < request.Epochs; epoch++)
        {
            var order = schedule.NextEpoch();
            for (int b = 0; b < schedule.BatchesPerEpoch; b++)
            {
                var (start, length) = schedule.Batch(b);
                double loss = 0, g0 = 0, g1 = 0, g2 = 0;
                for (int j = start; j < start + length; j++)
                {
                    int i = order[j];
                    double r = theta[0] * x[3 * i] + theta[1] * x[3 * i + 1] + theta[2] - y[i];
                    loss += r * r; g0 += r * x[3 * i]; g1 += r * x[3 * i + 1]; g2 += r;
                }
                loss /= length; double scale = 2.0 / length; g0 *= scale; g1 *= scale; g2 *= scale;
                double step = loss / (g0 * g0 + g1 * g1 + g2 * g2 + 1e-8);
                theta[0] -= step * g0; theta[1] -= step * g1; theta[2] -= step * g2;
            }
        }
        return problem.FullLoss(theta);
    }
}
