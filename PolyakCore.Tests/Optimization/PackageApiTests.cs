using PolyakCore.Experiments;
using PolyakCore.Optimization;
using PolyakCore.Problems;
using PolyakCore.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PolyakCore.Tests.Optimization;

/// <summary>The package's optimizers as a TorchSharp user drives them: nn modules, <c>step(closure)</c>, the last step
/// size for logging; the same numbers as a Polyak loop written by hand and as the dashboard's own runs.</summary>
public class PackageApiTests
{
    /// <summary>Each named class with its defaults, and the catalogue's entry of that name with no settings.</summary>
    public static TheoryData<string> Named => [.. NamedFactories.Keys];

    private static readonly Dictionary<string, Func<IEnumerable<Parameter>, CatalogOptimizer>> NamedFactories = new()
    {
        [OptimizerCatalog.PolyakSgd] = p => new PolyakSgd(p),
        [OptimizerCatalog.SpsMax] = p => new SpsMax(p),
        [OptimizerCatalog.PolyakAdam] = p => new PolyakAdam(p),
        [OptimizerCatalog.PolyakAdamCorrected] = p => new PolyakAdamCorrected(p),
        [OptimizerCatalog.ArmijoSgd] = p => new ArmijoSgd(p),
        [OptimizerCatalog.DecSps] = p => new DecSps(p),
        [OptimizerCatalog.AdaSps] = p => new AdaSps(p),
        [OptimizerCatalog.Momo] = p => new Momo(p),
        [OptimizerCatalog.MomoStar] = p => new Momo(p, estimateBound: true),
        [OptimizerCatalog.MomoAdam] = p => new MomoAdam(p),
    };

    // 1a for 20 epochs at batch 32: 640 steps, the loss from ~1 down by orders of magnitude.
    private static RunRequest Request1a => ExperimentCatalog.Get("1a").Runs[0] with { Epochs = 20 };

    [Fact]
    public void PolyakSgdStepsRecordForRecordAsAHandWrittenTorchSharpLoopOn1a()
    {
        var request = Request1a;
        var package = Loop1a(request, parameters =>
        {
            var optimizer = new PolyakSgd(parameters, fStar: 0, eps: 1e-8);
            return closure => { var loss = optimizer.step(closure); return (loss.ToDouble(), optimizer.LastStepSize); };
        });
        var byHand = Loop1a(request, parameters => closure =>
        {
            // The Polyak step written out: α = (f − f*)/(‖g‖² + ε), θ ← θ − α·g (add_ with alpha, as torch.optim.SGD updates).
            var loss = closure();
            using var noGrad = no_grad();
            double f = loss.ToDouble();
            double gradNormSq = parameters.Sum(p => p.grad!.pow(2).sum().ToDouble());
            double alpha = (f - 0.0) / (gradNormSq + 1e-8);
            foreach (var p in parameters) p.add_(p.grad!, alpha: -alpha);
            return (f, alpha);
        });

        Assert.Equal(640, package.Count);
        Assert.Equal(byHand.Count, package.Count);
        for (int i = 0; i < package.Count; i++)
        {
            Assert.True(package[i] == byHand[i], $"step {i + 1}: package (loss {package[i].Loss:R}, α {package[i].StepSize:R}) " +
                $"vs by hand (loss {byHand[i].Loss:R}, α {byHand[i].StepSize:R})");
        }
        Assert.True(package[^1].Loss < package[0].Loss * 1e-3, $"the loss fell from {package[0].Loss} to only {package[^1].Loss}");
    }

    [Fact]
    public void PolyakSgdInAUserLoopGivesTheDashboardsRecordsOn1a()
    {
        // The dashboard's run computes the linear model as one product with a column of ones; nn.Linear adds its bias:
        // the same numbers up to rounding.
        var request = Request1a;
        var recorder = new RunRecorder();
        Trainer.Run(request, recorder);
        var package = Loop1a(request, parameters =>
        {
            var optimizer = new PolyakSgd(parameters);
            return closure => { var loss = optimizer.step(closure); return (loss.ToDouble(), optimizer.LastStepSize); };
        });

        Assert.Equal(recorder.Batches.Count, package.Count);
        for (int i = 0; i < package.Count; i++)
        {
            var run = recorder.Batches[i];
            Assert.True(Close(run.Loss, package[i].Loss) && Close(run.StepSize, package[i].StepSize),
                $"step {i + 1}: dashboard (loss {run.Loss:R}, α {run.StepSize:R}) vs package (loss {package[i].Loss:R}, α {package[i].StepSize:R})");
        }
    }

    [Theory]
    [MemberData(nameof(Named))]
    public void ANamedOptimizerWithItsDefaultsIsTheCataloguesEntry(string name)
    {
        var named = Trajectory(p => NamedFactories[name](p));
        var catalogue = Trajectory(p => new CatalogOptimizer(p, name));
        Assert.Equal(catalogue.Steps, named.Steps);
        Assert.True(named.End < named.Start, $"{name}: the loss did not fall ({named.Start} → {named.End})");
    }

    [Fact]
    public void ArmijoStepWithAClosureSearchesAsStepWithAnEvaluateFunction()
    {
        // step(closure) calls the closure (which back-propagates) at every trial; Step(loss, evaluate) evaluates
        // without gradients. Same trials, same steps, same parameters.
        var (x, y) = Data();
        var p1 = new Parameter(zeros(3, 1, float64));
        var p2 = new Parameter(zeros(3, 1, float64));
        using var withClosure = new ArmijoSgd([p1], lr: 4.0);
        using var withEvaluate = new ArmijoSgd([p2], lr: 4.0);
        int backtracked = 0;
        for (int step = 0; step < 30; step++)
        {
            var rows = arange(step % 8 * 8, step % 8 * 8 + 8);
            withClosure.step(() => { withClosure.zero_grad(); var l = (x[rows].matmul(p1) - y[rows]).square().mean(); l.backward(); return l; });
            withEvaluate.zero_grad();
            var loss = (x[rows].matmul(p2) - y[rows]).square().mean();
            loss.backward();
            withEvaluate.Step(loss, () => { using var _ = no_grad(); return (x[rows].matmul(p2) - y[rows]).square().mean().ToDouble(); });
            Assert.Equal(withEvaluate.LastStep, withClosure.LastStep);
            if (withClosure.LastStep!.Value.Evaluations > 1) backtracked++;
        }
        Assert.True(backtracked > 0, "no step backtracked: the test does not exercise the trials");
        Assert.Equal(p2.data<double>().ToArray(), p1.data<double>().ToArray());
    }

    [Fact]
    public void LastStepSizeIsNaNBeforeTheFirstStepThenTheStepsAlpha()
    {
        // f = ½‖θ‖² at θ = (1, 2): f = 2.5, ‖g‖² = 5, α = 0.5 (ε = 0).
        var theta = new Parameter(tensor(new[] { 1.0, 2.0 }, float64));
        using var optimizer = new PolyakSgd([theta], eps: 0);
        Assert.True(double.IsNaN(optimizer.LastStepSize));
        var loss = optimizer.step(() => { optimizer.zero_grad(); var l = theta.square().sum() * 0.5; l.backward(); return l; });
        Assert.Equal(2.5, loss.ToDouble());
        Assert.Equal(0.5, optimizer.LastStepSize);
        Assert.Equal(new[] { 0.5, 1.0 }, theta.data<double>().ToArray());
    }

    [Fact]
    public void AStepWithoutTheLossIsRefusedPlainly()
    {
        var theta = new Parameter(ones(2, float64));
        using var polyak = new SpsMax([theta]);
        using var armijo = new ArmijoSgd([theta]);
        Assert.Contains("needs the loss", Assert.Throws<ArgumentNullException>(() => polyak.step()).Message);
        Assert.Contains("needs the loss", Assert.Throws<ArgumentNullException>(() => armijo.step()).Message);
    }

    [Fact]
    public void AnUnknownNameOrABadSettingIsRefused()
    {
        var theta = new Parameter(ones(2, float64));
        var unknown = Assert.Throws<ArgumentException>(() => new CatalogOptimizer([theta], "polyak-sdg"));
        Assert.Contains("polyak-sgd", unknown.Message);      // names what is known
        Assert.Throws<ArgumentOutOfRangeException>(() => new PolyakSgd([theta], eps: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpsMax([theta], maxStep: 0));
    }

    [Fact]
    public void EveryCatalogueOptimizerTrainsByNameThroughTheTorchSharpInterface()
    {
        foreach (var name in OptimizerCatalog.Names)
        {
            var (_, start, end) = Trajectory(p => new CatalogOptimizer(p, name));
            Assert.True(end < start, $"{name}: the loss did not fall ({start} → {end})");
        }
    }

    [Fact]
    public void ThePackagesOptimizersAreDocumented()
    {
        // What an IDE shows a TorchSharp user: every public constructor, method and property of the optimizer classes
        // has a summary (or inherits one), and every constructor parameter its own line.
        var xml = System.Xml.Linq.XDocument.Load(Path.Combine(AppContext.BaseDirectory, "PolyakCore.xml"));
        var members = xml.Descendants("member").ToDictionary(m => (string)m.Attribute("name")!);
        Type[] types = [typeof(Optimizer), typeof(CatalogOptimizer), typeof(PolyakSgd), typeof(SpsMax), typeof(PolyakAdam), typeof(PolyakAdamCorrected),
            typeof(ArmijoSgd), typeof(DecSps), typeof(AdaSps), typeof(Momo), typeof(MomoAdam)];
        var missing = new List<string>();
        foreach (var type in types)
        {
            if (!members.ContainsKey("T:" + type.FullName)) missing.Add(type.FullName!);
            const System.Reflection.BindingFlags Declared = System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance
                | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.DeclaredOnly;
            foreach (var member in type.GetMembers(Declared).Where(m => m is not System.Reflection.MethodInfo { IsSpecialName: true }))
            {
                string prefix = member switch
                {
                    System.Reflection.ConstructorInfo => $"M:{type.FullName}.#ctor",
                    System.Reflection.PropertyInfo => $"P:{type.FullName}.{member.Name}",
                    _ => $"M:{type.FullName}.{member.Name}",
                };
                var docs = members.Where(m => m.Key == prefix || m.Key.StartsWith(prefix + "(", StringComparison.Ordinal)).Select(m => m.Value).ToList();
                int overloads = type.GetMember(member.Name, Declared).Length;
                if (docs.Count < overloads || docs.Any(d => d.Element("summary") is null && d.Element("inheritdoc") is null))
                    missing.Add($"{prefix} (summary)");
                if (member is System.Reflection.ConstructorInfo ctor && docs.All(d => d.Elements("param").Count() != ctor.GetParameters().Length))
                    missing.Add($"{prefix} (a <param> for each of {ctor.GetParameters().Length} parameters)");
            }
        }
        Assert.True(missing.Count == 0, "Undocumented: " + string.Join(", ", missing));
    }

    /// <summary>1a as a TorchSharp user writes it: nn.Linear(2, 1) on the features [x, x²], mse_loss, the dashboard's
    /// start, data and mini-batch order; <paramref name="optimizer"/> makes a step function from the parameters.</summary>
    private static List<(double Loss, double StepSize)> Loop1a(RunRequest request,
        Func<Parameter[], Func<Func<Tensor>, (double, double)>> optimizer)
    {
        using var problem = ProblemCatalog.Create(request.Problem, request.ProblemOptions);
        var start = Trainer.StartOf(problem, request);
        using var model = nn.Linear(2, 1, dtype: float64);
        using (no_grad())
        {
            model.weight!.copy_(tensor(start[..2], float64).view(1, 2));
            model.bias!.copy_(tensor(start[2..], float64));
        }
        var parameters = model.parameters().ToArray();
        var step = optimizer(parameters);
        var schedule = new BatchSchedule(request.Seed, problem.Count, request.BatchSize);
        var records = new List<(double, double)>();
        for (int epoch = 0; epoch < request.Epochs; epoch++)
        {
            using var scope = NewDisposeScope();
            var order = tensor(schedule.NextEpoch().Select(i => (long)i).ToArray());
            var x = problem.Inputs.index_select(0, order).narrow(1, 0, 2);     // [x, x², 1] without the ones
            var y = problem.Targets.index_select(0, order);
            for (int b = 0; b < schedule.BatchesPerEpoch; b++)
            {
                var (first, length) = schedule.Batch(b);
                var (xb, yb) = (x.narrow(0, first, length), y.narrow(0, first, length));
                records.Add(step(() =>
                {
                    model.zero_grad();
                    var loss = nn.functional.mse_loss(model.call(xb).view(-1), yb);
                    loss.backward();
                    return loss;
                }));
            }
        }
        return records;
    }

    /// <summary>40 steps of a small two-layer regression with several parameter tensors: each step's (loss, α), and the
    /// full-data loss before and after.</summary>
    private static (List<(double Loss, double StepSize)> Steps, double Start, double End) Trajectory(Func<IEnumerable<Parameter>, CatalogOptimizer> create)
    {
        var (x, y) = Data();
        var generator = new Generator(11);
        var a = new Parameter(randn(3, 4, float64, generator: generator) * 0.5);
        var b = new Parameter(randn(4, 1, float64, generator: generator) * 0.5);
        double FullLoss() { using var _ = no_grad(); return (x.matmul(a).tanh().matmul(b) - y).square().mean().ToDouble(); }
        double start = FullLoss();
        using var optimizer = create([a, b]);
        var steps = new List<(double, double)>();
        for (int step = 0; step < 40; step++)
        {
            var rows = arange(step % 8 * 8, step % 8 * 8 + 8);
            var loss = optimizer.step(() => { optimizer.zero_grad(); var l = (x[rows].matmul(a).tanh().matmul(b) - y[rows]).square().mean(); l.backward(); return l; });
            steps.Add((loss.ToDouble(), optimizer.LastStepSize));
        }
        return (steps, start, FullLoss());
    }

    private static (Tensor X, Tensor Y) Data()
    {
        var generator = new Generator(7);
        var x = randn(64, 3, float64, generator: generator);
        var y = (x.matmul(tensor(new[] { 1.0, -2.0, 0.5 }, float64).view(3, 1)) * 0.8).tanh();
        return (x, y);
    }

    private static bool Close(double a, double b) => Math.Abs(a - b) <= 1e-9 * Math.Max(Math.Abs(a), Math.Abs(b)) + 1e-300;
}
