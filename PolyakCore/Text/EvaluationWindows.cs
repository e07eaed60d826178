using TorchSharp;
using static TorchSharp.torch;

namespace PolyakCore.Text;

/// <summary>The windows a run's train and validation losses are measured on: drawn once, the same every epoch (so the
/// curves show the model, not the sampling), evaluated with dropout off.</summary>
internal sealed class EvaluationWindows : IDisposable
{
    private const int Seed = 20_240_601;
    private readonly (Tensor X, Tensor Y)[] _train, _validation;

    public EvaluationWindows(long[] trainIds, long[] validationIds, int block, int batch, int batches)
    {
        _train = Draw(trainIds, block, batch, batches);
        _validation = Draw(validationIds, block, batch, batches);
    }

    public (double Train, double Val) Evaluate(CharGpt model)
    {
        model.eval();
        try
        {
            using var noGrad = no_grad();
            return (Mean(model, _train), Mean(model, _validation));
        }
        finally { model.train(); }
    }

    private static (Tensor X, Tensor Y)[] Draw(long[] ids, int block, int batch, int batches)
    {
        using var windows = new TextBatches(ids, block, batch, Seed);
        using var scope = NewDisposeScope();
        return [.. Enumerable.Range(0, batches).Select(_ =>
        {
            var (x, y) = windows.Next();
            return (x.DetachFromDisposeScope(), y.DetachFromDisposeScope());
        })];
    }

    private static double Mean(CharGpt model, (Tensor X, Tensor Y)[] windows)
    {
        double sum = 0;
        foreach (var (x, y) in windows)
        {
            using var scope = NewDisposeScope();
            sum += model.Loss(x, y).ToDouble();
        }
        return sum / windows.Length;
    }

    public void Dispose()
    {
        foreach (var (x, y) in _train.Concat(_validation)) { x.Dispose(); y.Dispose(); }
    }
}
