using PolyakCore.Shared;
using PolyakCore.Optimization.Directions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PolyakCore.Optimization;

/// <summary>An optimizer as a direction times a step-size rule: θ ← θ − α·d.</summary>
/// <remarks>The model is optax's <c>chain(scale_by_adam(), scale_by_polyak())</c>: SGD is
/// gradient × constant, Polyak SGD is gradient × Polyak, Polyak–Adam is Adam × Polyak. A TorchSharp
/// optimizer like torch.optim.SGD: <c>step(closure)</c> evaluates and back-propagates the loss itself;
/// <c>Step(loss)</c> takes a loss that was already back-propagated. One global α for all parameters.</remarks>
public sealed class Optimizer : OptimizerHelper
{
    private readonly Parameter[] _parameters;
    private readonly int _batchesPerEpoch;

    public Optimizer(IEnumerable<Parameter> parameters, IDirection direction, IStepRule stepRule, int batchesPerEpoch = 1)
    {
        _parameters = parameters.ToArray();
        if (_parameters.Length == 0) throw new ArgumentException("An optimizer needs at least one parameter.", nameof(parameters));
        Direction = direction;
        StepRule = stepRule;
        _batchesPerEpoch = Math.Max(1, batchesPerEpoch);
        _defaults = new OptimizerOptions { LearningRate = 0.0, InitialLearningRate = 0.0 };
        _parameter_groups = new List<ParamGroup>();
        var group = new ParamGroup { Parameters = _parameters, Options = new OptimizerOptions { LearningRate = 0.0 } };
        _parameter_groups.Add(group);
        foreach (var p in _parameters) _state[p.Handle] = new NoState(p);
    }

    public IDirection Direction { get; }

    public IStepRule StepRule { get; }

    /// <summary>The record of the last step, or null before the first.</summary>
    public StepRecord? LastStep { get; private set; }

    /// <summary>PyTorch-style step: the closure zeroes gradients, computes the loss and calls backward.</summary>
    public override Tensor step(Func<Tensor>? closure = null)
    {
        ArgumentNullException.ThrowIfNull(closure, "This optimizer needs the loss: pass a closure, or call Step(loss).");
        Tensor loss;
        using (enable_grad()) loss = closure();
        Step(loss);
        return loss;
    }

    /// <summary>Updates the parameters from a loss whose gradients are already computed.</summary>
    /// <param name="loss">The back-propagated mini-batch loss.</param>
    /// <param name="evaluate">Loss on the same mini-batch at the current parameters, without gradients;
    /// required by step rules that search (Armijo).</param>
    public StepRecord Step(Tensor loss, Func<double>? evaluate = null) => Step(loss.ToDouble(), evaluate);

    /// <inheritdoc cref="Step(Tensor, Func{double}?)"/>
    public StepRecord Step(double loss, Func<double>? evaluate = null)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Direction.BeginStep();

        var grads = new Tensor[_parameters.Length];
        var directions = new Tensor[_parameters.Length];
        for (int i = 0; i < _parameters.Length; i++)
        {
            grads[i] = _parameters[i].grad ?? zeros_like(_parameters[i]);
            directions[i] = Direction.Compute(i, grads[i]);
        }

        var reductions = Reduce(grads, directions, needDot: !Direction.IsGradient);
        if (StepRule.NeedsModelProducts) reductions = reductions with { Model = ModelProducts(grads, directions) };

        Func<double, double>? trial = null;
        Tensor[]? origin = null;
        if (StepRule.NeedsTrialLoss)
        {
            if (evaluate is null) throw new InvalidOperationException("This step rule searches along d: pass an evaluate function to Step.");
            origin = _parameters.Select(p => p.detach().clone()).ToArray();
            trial = alpha => { MoveTo(origin, directions, alpha); return evaluate(); };
        }

        var choice = StepRule.Next(reductions.Context(loss, _batchesPerEpoch, trial));
        if (origin is not null) MoveTo(origin, directions, choice.StepSize);
        else for (int i = 0; i < _parameters.Length; i++) _parameters[i].AddScaled_(directions[i], -choice.StepSize);

        var record = reductions.Record(loss, choice, Direction.IsGradient);
        LastStep = record;
        return record;
    }

    private void MoveTo(Tensor[] origin, Tensor[] directions, double alpha)
    {
        for (int i = 0; i < _parameters.Length; i++)
            _parameters[i].copy_(origin[i]).AddScaled_(directions[i], -alpha);
    }

    // ‖g‖², ⟨g, d⟩ and ‖d‖² read back in one copy: each read is a sync, and on tiny models every op counts.
    private static StepReductions Reduce(Tensor[] grads, Tensor[] directions, bool needDot)
    {
        if (!needDot)
        {
            var gg = grads.Length == 1 ? grads[0].Squared().sum() : stack(grads.Select(g => g.Squared().sum())).sum();
            return StepReductions.ForGradient(gg.ToDouble());
        }
        var parts = new Tensor[grads.Length * 3];
        for (int i = 0; i < grads.Length; i++)
        {
            parts[3 * i] = grads[i].Squared().sum();
            parts[3 * i + 1] = (grads[i] * directions[i]).sum();
            parts[3 * i + 2] = directions[i].Squared().sum();
        }
        var sums = stack(parts).view(grads.Length, 3).sum(0, false).to(ScalarType.Float64).data<double>().ToArray();
        return new StepReductions(sums[0], sums[1], sums[2]);
    }

    // MoMo's ⟨θ, g⟩, ⟨θ, m⟩ and ⟨m, d⟩ at the parameters before the update, in one read.
    private ModelProducts ModelProducts(Tensor[] grads, Tensor[] directions)
    {
        var parts = new Tensor[grads.Length * 3];
        for (int i = 0; i < grads.Length; i++)
        {
            var theta = _parameters[i].detach();
            var m = Direction.Momentum(i) ?? directions[i];
            parts[3 * i] = (theta * grads[i]).sum();
            parts[3 * i + 1] = (theta * m).sum();
            parts[3 * i + 2] = (m * directions[i]).sum();
        }
        var sums = stack(parts).view(grads.Length, 3).sum(0, false).to(ScalarType.Float64).data<double>().ToArray();
        return new ModelProducts(sums[0], sums[1], sums[2]);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Direction.Dispose();
        base.Dispose(disposing);
    }

    // TorchSharp's state_dict() needs a state object per parameter; our state lives in the direction.
    private sealed class NoState(Parameter parameter) : OptimizerState(parameter)
    {
        public override void SaveStateDict(BinaryWriter writer) { }
        public override void LoadStateDict(BinaryReader reader) { }
        public override void LoadStateDict(OptimizerState source) { }
        public override void Initialize(OptimizerOptions options) { }
    }
}
