using System.Diagnostics;
using PolyakCore.Optimization;
using PolyakCore.Text;
using PolyakCore.Training;
using static TorchSharp.torch;

// Child-speech timings, side by side in one process (the machines are noisy: compare within a run).
//   dotnet run -c Release --project bench/TextBench -- steps [repeats] [tiny,small,report]   step time, TorchSharp vs PyTorch
//   dotnet run -c Release --project bench/TextBench -- memory [steps]      RSS over a long tiny run
//   dotnet run -c Release --project bench/TextBench -- generate [chars] [checkpoint]   sampling, KV cache vs recomputing
NativeMemory.KeepBlocksForReuse();
NativeMemory.PreferPassiveThreads();
if (Environment.GetEnvironmentVariable("BENCH_THREADS") is { } th) set_num_threads(int.Parse(th));
string what = args.Length > 0 ? args[0] : "steps";
var corpus = TextCorpus.ChildSpeech();
var ids = corpus.Tokenizer.Encode(corpus.Train);
Console.WriteLine($"torch threads: {get_num_threads()}; corpus {corpus.Train.Length:N0} training characters, vocabulary {corpus.Tokenizer.Size}");

if (what == "steps")
{
    // TorchSharp and (where Debian's python3-torch is installed) PyTorch on the same model sizes, batch, block and
    // threads, one after the other in this run: wall time and CPU time per step (CPU time moves less with other load).
    int repeats = args.Length > 1 ? int.Parse(args[1]) : 5;
    string[] wanted = args.Length > 2 ? args[2].Split(',') : ["tiny", "small"];
    var ours = StepTimes.TorchSharp(corpus.Tokenizer.Size, ids, wanted, repeats);
    var theirs = StepTimes.PyTorch(corpus.Tokenizer.Size, wanted, repeats, get_num_threads());
    Console.WriteLine(theirs is null ? "PyTorch: not measured (no python3 with torch: apt-get install -y --no-install-recommends python3-torch libopenblas0)"
        : $"PyTorch: {theirs.Version}, same sizes, {get_num_threads()} threads");
    foreach (var name in wanted)
    {
        var (wall, cpu, parameters, batch, block) = ours[name];
        string line = $"{name,-7} {parameters,12:N0} parameters, batch {batch,3} × block {block}: TorchSharp {wall,8:F1} ms/step ({cpu:F1} ms CPU)";
        if (theirs?.Times.TryGetValue(name, out var t) == true)
            line += $", PyTorch {t.Wall,8:F1} ms ({t.Cpu:F1} ms CPU): ratio {wall / t.Wall:F2} wall, {cpu / t.Cpu:F2} CPU";
        Console.WriteLine(line);
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

else if (what == "generate")
{
    // Batch-1 sampling speed of the tiny preset, with the KV cache and without, interleaved in one run. A checkpoint
    // path (optional) uses real weights; otherwise random ones (the cost is the same, the text is noise).
    int chars = args.Length > 1 ? int.Parse(args[1]) : 1000;
    LoadedCheckpoint? loaded = args.Length > 2 ? Checkpoint.Load(args[2]) : null;
    var p = GptPreset.Find("tiny")!;
    var sampler = loaded is not null ? new TextSampler(loaded, new SamplingLimits(MaxNewCharacters: 100_000))
        : new TextSampler(new CharGpt(new GptConfig(corpus.Tokenizer.Size, p.NEmbd, p.NHead, p.NLayer, p.Block, p.Dropout), seed: 0),
            corpus.Tokenizer, new SamplingLimits(MaxNewCharacters: 100_000));
    Console.WriteLine($"{(loaded is null ? "random tiny weights" : args[2])}: {sampler.Model.Config}, {chars} characters per sample, batch 1");
    var times = new Dictionary<bool, List<double>> { [true] = [], [false] = [] };
    var firsts = new Dictionary<bool, List<double>> { [true] = [], [false] = [] };
    var opMicros = new List<double>();
    using var a = randn(1, 96);
    using var b = randn(1, 96);
    for (int r = 0; r < 4; r++)
    {
        // Calibration: what one tiny op costs right now (the machine is shared: this moves with the load).
        var opClock = Stopwatch.StartNew();
        for (int i = 0; i < 5000; i++) { using var scope = NewDisposeScope(); a.add(b); }
        opMicros.Add(opClock.Elapsed.TotalMicroseconds / 5000);
        foreach (bool cache in new[] { true, false })
        {
            var settings = new SamplingSettings { MaxNewCharacters = chars, Seed = r, UseCache = cache, Temperature = 0.8 };
            var clock = Stopwatch.StartNew();
            double first = 0;
            var text = sampler.Generate(settings, c => { if (c.Position == 0) first = clock.Elapsed.TotalMilliseconds; })[0].Text;
            if (r > 0) { times[cache].Add(text.Length / clock.Elapsed.TotalSeconds); firsts[cache].Add(first); }   // the first repeat warms up
            if (r == 1 && cache) Console.WriteLine($"  sample: {text[..Math.Min(120, text.Length)].Replace('\n', '⏎')}");
        }
    }
    double op = Median(opMicros);
    foreach (bool cache in new[] { true, false })
        Console.WriteLine($"{(cache ? "KV cache  " : "no cache  ")} {Median(times[cache]),8:N0} characters/s (runs: {string.Join(", ", times[cache].Select(t => t.ToString("N0")))}); " +
            $"first character after {Median(firsts[cache]):F1} ms; {1e6 / Median(times[cache]):F0} µs a character = {1e6 / Median(times[cache]) / op:F0} tiny ops");
    Console.WriteLine($"cache speed-up ×{Median(times[true]) / Median(times[false]):F1}; a tiny op (add on 1×96) took {op:F1} µs during this run " +
        $"(runs: {string.Join(", ", opMicros.Select(t => t.ToString("F1")))}); at 4 µs the cached path would do {1e6 / (1e6 / Median(times[true]) / op * 4):N0} characters/s");
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
