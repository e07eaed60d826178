using System.Diagnostics;
using PolyakCore.Optimization;
using PolyakCore.Text;
using static TorchSharp.torch;

/// <summary>One Adam training step of the character GPT, timed per preset: TorchSharp here, PyTorch through
/// <c>pytorch_steps.py</c> (the same model, batch, block and thread count) when Python's torch is installed.</summary>
static class StepTimes
{
    public static readonly (string Name, int Batch)[] Cases = [("tiny", 32), ("small", 32), ("report", 8)];

    public static Dictionary<string, (double Wall, double Cpu, long Parameters, int Batch, int Block)> TorchSharp(
        int vocab, long[] ids, string[] wanted, int repeats)
    {
        var models = Cases.Where(c => wanted.Contains(c.Name)).Select(c =>
        {
            var p = GptPreset.Find(c.Name)!;
            manual_seed(0);
            var model = new CharGpt(new GptConfig(vocab, p.NEmbd, p.NHead, p.NLayer, p.Block, p.Dropout));
            var optimizer = OptimizerCatalog.Create("adam", new() { Lr = 3e-3 }, model.parameters());
            return (c.Name, c.Batch, p.Block, Model: model, Optimizer: optimizer);
        }).ToArray();
        var wall = models.ToDictionary(m => m.Name, _ => new List<double>());
        var cpu = models.ToDictionary(m => m.Name, _ => new List<double>());
        var random = new Random(0);
        var process = Process.GetCurrentProcess();
        for (int r = 0; r < repeats + 1; r++)
            foreach (var m in models)                    // interleaved: each repeat times every preset once
            {
                process.Refresh();
                var cpuBefore = process.TotalProcessorTime;
                var clock = Stopwatch.StartNew();
                using (var scope = NewDisposeScope())
                {
                    var starts = Enumerable.Range(0, m.Batch).Select(_ => random.Next(ids.Length - m.Block - 1)).ToArray();
                    var x = stack(starts.Select(s => tensor(ids[s..(s + m.Block)])));
                    var y = stack(starts.Select(s => tensor(ids[(s + 1)..(s + 1 + m.Block)])));
                    m.Model.zero_grad();
                    var loss = m.Model.Loss(x, y);
                    loss.backward();
                    m.Optimizer.Step(loss);
                }
                process.Refresh();
                if (r == 0) continue;                      // the first repeat warms up
                wall[m.Name].Add(clock.Elapsed.TotalMilliseconds);
                cpu[m.Name].Add((process.TotalProcessorTime - cpuBefore).TotalMilliseconds);
            }
        return models.ToDictionary(m => m.Name,
            m => (Median(wall[m.Name]), Median(cpu[m.Name]), m.Model.Config.ParameterCount, m.Batch, m.Block));
    }

    public sealed record PyTorchTimes(string Version, Dictionary<string, (double Wall, double Cpu)> Times);

    /// <summary>Null when no python3 with torch is found (Debian's python3-torch lives under /usr/bin/python3). PyTorch
    /// runs with the environment the bench started with (its own defaults: OpenMP threads spin a while before they
    /// sleep), ours with PASSIVE threads (see NativeMemory.PreferPassiveThreads).</summary>
    public static PyTorchTimes? PyTorch(int vocab, string[] wanted, int repeats, int threads)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "pytorch_steps.py");
        foreach (var python in new[] { "/usr/bin/python3", "python3" })
        {
            string? version = Run(python, "-c \"import torch; print(torch.__version__)\"")?.Trim();
            if (string.IsNullOrEmpty(version)) continue;
            string? output = Run(python, $"\"{script}\" {vocab} {repeats} {threads} {string.Join(',', wanted)}");
            if (output is null) return null;
            var times = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' '))
                .ToDictionary(f => f[0], f => (double.Parse(f[1]), double.Parse(f[2])));
            return new PyTorchTimes(version, times);
        }
        return null;
    }

    private static string? Run(string file, string arguments)
    {
        try
        {
            var info = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(info)!;
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }

    private static double Median(List<double> values) { var s = values.Order().ToArray(); return s[s.Length / 2]; }
}
