using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PolyakCore.Optimization;

/// <summary>Any optimizer of the catalogue (<see cref="OptimizerCatalog.Names"/>) as a TorchSharp optimizer, built by
/// name with the dashboard's own defaults: <c>new CatalogOptimizer(model.parameters(), "sps-max")</c>.</summary>
/// <remarks>The named classes (<see cref="PolyakSgd"/>, <see cref="SpsMax"/>, <see cref="PolyakAdam"/>,
/// <see cref="PolyakAdamCorrected"/>, <see cref="ArmijoSgd"/>) are this with typed arguments. Use it like
/// torch.optim's optimizers, with one difference: the step size of most rules needs the loss, so call
/// <see cref="step"/> with a closure (it zeroes the gradients, computes the loss, calls <c>backward()</c> and returns the
/// loss), or call <see cref="Optimizer.Step(Tensor, Func{double}?)"/> with a loss that was already back-propagated.
/// <see cref="LastStepSize"/> and <see cref="Optimizer.LastStep"/> tell what the last step did, for logging.</remarks>
public class CatalogOptimizer : Optimizer
{
    /// <summary>The catalogue's optimizer <paramref name="name"/> over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The parameters to update, e.g. <c>model.parameters()</c>.</param>
    /// <param name="name">A catalogue name such as <c>"polyak-sgd"</c> (<see cref="OptimizerCatalog.Names"/>).</param>
    /// <param name="settings">Overrides of the named optimizer's defaults; null or an empty record for none.</param>
    /// <param name="batchesPerEpoch">Mini-batches per epoch, for rules that use it (SPS_max's smoothing).</param>
    /// <exception cref="ArgumentException">An unknown name.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting out of its range (a negative ε, a non-positive cap…).</exception>
    public CatalogOptimizer(IEnumerable<Parameter> parameters, string name, OptimizerSettings? settings = null, int batchesPerEpoch = 1)
        : base(parameters, DirectionOf(name, settings), OptimizerCatalog.CreateStepRule(name, settings ?? new()), batchesPerEpoch)
    {
        Name = name;
        Settings = settings ?? new();
    }

    /// <summary>The catalogue name (<c>"polyak-sgd"</c>, <c>"sps-max"</c>, …).</summary>
    public string Name { get; }

    /// <summary>The overrides it was built with (null fields are the named optimizer's defaults).</summary>
    public OptimizerSettings Settings { get; }

    /// <summary>α of the last step, or NaN before the first: the number to log beside the loss.</summary>
    public double LastStepSize => LastStep?.StepSize ?? double.NaN;

    /// <summary>One step. <paramref name="closure"/> zeroes the gradients, computes the mini-batch loss, calls
    /// <c>backward()</c> and returns the loss; the step size is computed from that loss and its gradient.</summary>
    /// <remarks>Rules that search along the direction (Armijo) call the closure again at each trial point: those calls'
    /// gradients are discarded (the direction stays the first call's), and the closure must compute the loss on the same
    /// mini-batch each time.</remarks>
    /// <returns>The loss the closure returned at the parameters before the step.</returns>
    /// <exception cref="ArgumentNullException">No closure: these optimizers need the loss.</exception>
    public override Tensor step(Func<Tensor>? closure = null)
    {
        if (!StepRule.NeedsTrialLoss) return base.step(closure);
        ArgumentNullException.ThrowIfNull(closure, "This optimizer needs the loss: pass a closure, or call Step(loss, evaluate).");
        Tensor loss;
        using (enable_grad()) loss = closure();
        Step(loss, () => TrialLoss(closure));
        return loss;
    }

    // The closure back-propagates, overwriting the gradients the direction may be (d = g is the gradient tensor itself):
    // keep them and put them back.
    private double TrialLoss(Func<Tensor> closure)
    {
        var parameters = this.parameters().ToArray();
        var kept = parameters.Select(p => p.grad?.clone()).ToArray();
        double loss;
        using (enable_grad()) loss = closure().ToDouble();
        for (int i = 0; i < parameters.Length; i++)
        {
            if (kept[i] is not { } grad) continue;
            using var current = parameters[i].grad;
            current?.copy_(grad);
        }
        return loss;
    }

    private static Directions.IDirection DirectionOf(string name, OptimizerSettings? settings)
    {
        if (!OptimizerCatalog.IsKnown(name))
            throw new ArgumentException($"Unknown optimizer '{name}'. Known: {string.Join(", ", OptimizerCatalog.Names)}.", nameof(name));
        return OptimizerCatalog.CreateDirection(name, settings ?? new());
    }
}
