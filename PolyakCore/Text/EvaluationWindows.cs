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

    /// <param name="rowsPerPass">Rows per forward pass (a window larger than that is measured in parts).</param>
    /// <param name="cancel">Checked before every pass: <see cref="OperationCanceledException"/> when cancelled.</param>
    public (double Train, double Val) Evaluate(CharGpt model, int rowsPerPass = int.MaxValue, CancellationToken cancel = default)
    {
        model.eval();
        try
        {
            using var noGrad = no_grad();
            return (Mean(model, _train, rowsPerPass, cancel), Mean(model, _validation, rowsPerPass, cancel));
        }
        finally { model.train(); }
    }

    /// <summary>The mean loss of one batch, in passes of at most <paramref name="rowsPerPass"/> rows (the batch's
    /// mean: passes weighted by their rows); one pass, as before, when the batch fits.</summary>
    public static double MeanLoss(CharGpt model, Tensor x, Tensor y, int rowsPerPass, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        long rows = x.shape[0];
        if (rowsPerPass >= rows)
        {
            using var scope = NewDisposeScope();
            return model.Loss(x, y).ToDouble();
        }
        double sum = 0;
        for (long start = 0; start < rows; start += rowsPerPass)
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            long n = Math.Min(rowsPerPass, rows - start);
            sum += model.Loss(x.narrow(0, start, n), y.narrow(0, start, n)).ToDouble() * n / rows;
        }
        return sum;
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

    private static double Mean(CharGpt model, (Tensor X, Tensor Y)[] windows, int rowsPerPass, CancellationToken cancel)
    {
        double sum = 0;
        foreach (var (x, y) in windows) sum += MeanLoss(model, x, y, rowsPerPass, cancel);
        return sum / windows.Length;
    }

    public void Dispose()
    {
        foreach (var (x, y) in _train.Concat(_validation)) { x.Dispose(); y.Dispose(); }
    }
}
