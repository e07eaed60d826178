using System.Diagnostics;
using PolyakCore.Optimization;
using PolyakCore.Text;
using PolyakCore.Training;
using static TorchSharp.torch;

// Child-speech timings, side by side in one process (the machines are noisy: compare within a run).
//   dotnet run -c Release --project bench/TextBench -- steps [repeats]     step time per preset
//   dotnet run -c Release --project bench/TextBench -- memory [steps]      RSS over a long tiny run
NativeMemory.FixMmapThreshold();
NativeMemory.PreferPassiveThreads();
if (Environment.GetEnvironmentVariable("BENCH_THREADS") is { } th) set_num_threads(int.Parse(th));
string what = args.Length > 0 ? args[0] : "steps";
var corpus = TextCorpus.ChildSpeech();
var ids = corpus.Tokenizer.Encode(corpus.Train);
Console.WriteLine($"torch threads: {get_num_threads()}; corpus {corpus.Train.Length:N0} training characters, vocabulary {corpus.Tokenizer.Size}");

if (what == "steps")
{
    int repeats = args.Length > 1 ? int.Parse(args[1]) : 5;
    (string Name, int Batch)[] cases = [("tiny", 32), ("small", 32), ("report", 8)];
    var models = cases.Select(c =>
    {
        var p = GptPreset.Find(c.Name)!;
        manual_seed(0);
        var model = new CharGpt(new GptConfig(corpus.Tokenizer.Size, p.NEmbd, p.NHead, p.NLayer, p.Block, p.Dropout));
        var optimizer = OptimizerCatalog.Create("adam", new() { Lr = 3e-3 }, model.parameters());
        return (c.Name, c.Batch, p.Block, Model: model, Optimizer: optimizer);
    }).ToArray();
    var times = models.ToDictionary(m => m.Name, _ => new List<double>());
    var random = new Random(0);
    for (int r = 0; r < repeats + 1; r++)
        foreach (var m in models)                    // interleaved: each repeat times every preset once
        {
            var t = Stopwatch.StartNew();
            using (var scope = NewDisposeScope())
            {
                var starts = Enumerable.Range(0, m.Batch).Select(_ => (long)random.Next(ids.Length - m.Block - 1)).ToArray();
                var x = stack(starts.Select(s => tensor(ids[(int)s..(int)(s + m.Block)])));
                var y = stack(starts.Select(s => tensor(ids[(int)(s + 1)..(int)(s + 1 + m.Block)])));
                m.Model.zero_grad();
                var loss = m.Model.Loss(x, y);
                loss.backward();
                m.Optimizer.Step(loss);
            }
            if (r > 0) times[m.Name].Add(t.Elapsed.TotalMilliseconds);
        }
    double tiny = Median(times["tiny"]);
    foreach (var m in models)
    {
        double ms = Median(times[m.Name]);
        Console.WriteLine($"{m.Name,-7} {m.Model.Config.ParameterCount,12:N0} parameters, batch {m.Batch,3} × block {m.Block}: " +
            $"{ms,9:F1} ms/step ({ms / tiny:F1}× tiny), {m.Batch * m.Block / ms * 1000:N0} characters/s");
    }
}
else if (what == "train")
{
    // The trainer end to end (batches, steps, the epoch's evaluation), printing the curve as it goes.
    string optimizer = args.Length > 1 ? args[1] : "adam";
    int epochs = args.Length > 2 ? int.Parse(args[2]) : 3;
    double? lr = args.Length > 3 ? double.Parse(args[3]) : null;
    string preset = args.Length > 4 ? args[4] : "tiny";
    var request = new RunRequest { Problem = "child-speech", Optimizer = optimizer, OptimizerOptions = new() { Lr = lr }, BatchSize = 32,
        Epochs = epochs, ProblemOptions = new() { Text = new() { Preset = preset } } };
    var sink = new CurveSink();
    var summary = TextTrainer.Run(request, TextEnvironment.Default, sink);
    Console.WriteLine($"{optimizer}: {summary.Status} {summary.Steps} steps in {summary.Seconds:F0} s ({1000 * summary.Seconds / Math.Max(1, summary.Steps):F0} ms/step incl. evaluation); " +
        $"floor {corpus.EntropyFloor:F4}; {summary.Message}");
}
else if (what == "memory")
{
    int steps = args.Length > 1 ? int.Parse(args[1]) : 600;
    var request = new RunRequest { Problem = "child-speech", Optimizer = "adam", OptimizerOptions = new() { Lr = 3e-3 }, BatchSize = 32,
        Epochs = Math.Max(1, steps / corpus.IterationsPerEpoch(32, 128)), ProblemOptions = new() { Text = new() { Preset = "tiny", EvalBatches = 2 } } };
    var sink = new RssSink();
    var summary = TextTrainer.Run(request, TextEnvironment.Default, sink);
    Console.WriteLine($"{summary.Steps} steps in {summary.Seconds:F0} s; RSS at each epoch end: {string.Join(", ", sink.Rss.Select(v => $"{v:F0}"))} MB");
}

static double Median(List<double> values) { var s = values.Order().ToArray(); return s[s.Length / 2]; }

sealed class CurveSink : IRunSink
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    public void OnBatch(BatchRecord record) { }
    public void OnEpoch(EpochRecord record) =>
        Console.WriteLine($"  epoch {record.Epoch,3} at {_clock.Elapsed.TotalSeconds,6:F0} s: train {record.Loss:F4}, val {record.ValLoss:F4}");
}

sealed class RssSink : IRunSink
{
    public List<double> Rss { get; } = [];
    public void OnBatch(BatchRecord record) { }
    public void OnEpoch(EpochRecord record) => Rss.Add(Environment.WorkingSet / 1048576.0);
}
