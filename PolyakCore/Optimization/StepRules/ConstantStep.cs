namespace PolyakCore.Optimization.StepRules;

/// <summary>Constant step: α = lr.</summary>
public sealed class ConstantStep : IStepRule
{
    public ConstantStep(double learningRate)
    {
        if (!(learningRate > 0) || double.IsInfinity(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, $"Invalid learning rate: {learningRate}");
        LearningRate = learningRate;
    }

    public double LearningRate { get; }

    public StepChoice Next(in StepContext context) => new(LearningRate);

    public IStepRule Clone() => new ConstantStep(LearningRate);
}
