using System.Text.Json;
using PolyakCore.Experiments;
using PolyakCore.Export;
using PolyakCore.Training;

namespace PolyakCore.Tests.Training;

public class RunValidationTests
{
    private static readonly RunRequest Good = new() { Problem = "noisy-linear", Optimizer = "sgd", BatchSize = 16, Epochs = 10 };

    public static TheoryData<string, RunRequest> BadRequests => new()
    {
        { "batchSize", Good with { BatchSize = 0 } },
        { "batchSize", Good with { BatchSize = -3 } },
        { "batchSize", Good with { BatchSize = 1001 } },
        { "epochs", Good with { Epochs = 0 } },
        { "epochs", Good with { Epochs = 10_000_000 } },
        { "epochs", Good with { Epochs = 100_000, BatchSize = 1 } },
        { "problem", Good with { Problem = "rosenbrock" } },
        { "optimizer", Good with { Optimizer = "lbfgs" } },
        { "optimizerOptions.lr", Good with { OptimizerOptions = new() { Lr = -0.1 } } },
        { "optimizerOptions.lr", Good with { OptimizerOptions = new() { Lr = 0 } } },
        { "optimizerOptions.lr", Good with { OptimizerOptions = new() { Lr = double.NaN } } },
        { "optimizerOptions.eps", Good with { OptimizerOptions = new() { Eps = -1e-8 } } },
        { "optimizerOptions.eps", Good with { OptimizerOptions = new() { Eps = double.NaN } } },
        { "optimizerOptions.fStar", Good with { OptimizerOptions = new() { FStar = double.PositiveInfinity } } },
        { "optimizerOptions.maxStep", Good with { OptimizerOptions = new() { MaxStep = 0 } } },
        { "optimizerOptions.c", Good with { OptimizerOptions = new() { C = -1 } } },
        { "optimizerOptions.beta1", Good with { OptimizerOptions = new() { Beta1 = 1.0 } } },
        { "optimizerOptions.beta2", Good with { OptimizerOptions = new() { Beta2 = -0.1 } } },
        { "problemOptions.points", Good with { ProblemOptions = new() { Points = 0 } } },
        { "problemOptions.noise", Good with { ProblemOptions = new() { Noise = -1 } } },
        { "problemOptions.start", Good with { ProblemOptions = new() { Start = [1, 2, 3] } } },
        { "problemOptions.start", Good with { ProblemOptions = new() { Start = [1, double.NaN] } } },
        { "problemOptions.a", Good with { Problem = "two-well", BatchSize = 5, ProblemOptions = new() { A = 0 } } },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void EachBadInputNamesItsField(string field, RunRequest request)
    {
        var errors = RunValidation.Validate(request);
        var error = Assert.Single(errors);
        Assert.Equal(field, error.Field);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        var thrown = Assert.Throws<RunValidationException>(() => Trainer.Run(request));
        Assert.Equal(field, Assert.Single(thrown.Errors).Field);
    }

    [Fact]
    public void ManyBadFieldsAreAllReported()
    {
        var errors = RunValidation.Validate(Good with { BatchSize = 0, Optimizer = "nope", OptimizerOptions = new() { Lr = -1 } });
        Assert.Equal(["batchSize", "optimizer", "optimizerOptions.lr"], errors.Select(e => e.Field).Order());
    }

    [Fact]
    public void EveryCatalogueRunIsValid()
    {
        foreach (var experiment in ExperimentCatalog.All)
            foreach (var run in experiment.Runs)
                Assert.Empty(RunValidation.Validate(run));
        Assert.Equal(24, ExperimentCatalog.Get("1b").Runs.Count);
        Assert.Equal(8, ExperimentCatalog.Get("1c").Runs.Count);
        Assert.Equal(10, ExperimentCatalog.Get("1e").Runs.Count);
    }

    [Fact]
    public void JsonRoundTripsAndRejectsUnknownFields()
    {
        var json = JsonSerializer.Serialize(Good with { Reduction = Reduction.Sum }, PolyakJson.Options);
        Assert.Contains("\"reduction\": \"sum\"", json);
        Assert.Equal(Good with { Reduction = Reduction.Sum }, JsonSerializer.Deserialize<RunRequest>(json, PolyakJson.Options)! with { ProblemOptions = Good.ProblemOptions, OptimizerOptions = Good.OptimizerOptions });
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<RunRequest>("{\"batchSise\": 3}", PolyakJson.Options));
        var nan = JsonSerializer.Deserialize<RunRequest>("{\"optimizerOptions\": {\"lr\": \"NaN\"}}", PolyakJson.Options)!;
        Assert.Equal("optimizerOptions.lr", Assert.Single(RunValidation.Validate(nan)).Field);
    }
}
