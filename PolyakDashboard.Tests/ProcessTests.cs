using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using PolyakDashboard.Storage;
using static PolyakDashboard.Tests.StoreTestKit;

namespace PolyakDashboard.Tests;

/// <summary>The real server as a process of its own: killed (SIGKILL) in the middle of a run and started
/// again on the same store; refused a garbage store.</summary>
public class ProcessTests
{
    [Fact]
    public async Task AKilledServerMarksItsRunInterruptedAndKeepsItsHistory()
    {
        string folder = TempFolder();
        try
        {
            string database = Path.Combine(folder, "runs.db");
            string finishedId, runningId, finishedMetrics;
            int stepBeforeKill;
            await using (var first = await ServerProcess.StartAsync(folder, database))
            {
                var client = first.Client;
                finishedId = await StartAsync(client, new { problem = "quadratic", optimizer = "adam", batchSize = 100, epochs = 30 });
                Assert.Equal("completed", (await WaitAsync(client, finishedId)).GetProperty("status").GetString());
                finishedMetrics = await MetricsAsync(client, finishedId);
                runningId = await StartAsync(client, new { problem = "noisy-linear", optimizer = "sgd", batchSize = 1, epochs = 2000 });
                stepBeforeKill = (await WaitAsync(client, runningId, r => r.GetProperty("step").GetInt32() > 0)).GetProperty("step").GetInt32();
                await Task.Delay(1500);
                first.Kill();
            }

            await using var second = await ServerProcess.StartAsync(folder, database);
            var run = JsonDocument.Parse(await second.Client.GetStringAsync($"/api/runs/{runningId}")).RootElement;
            Assert.Equal("interrupted", run.GetProperty("status").GetString());
            Assert.Equal(RunStore.RunningMessage, run.GetProperty("message").GetString());
            Assert.True(run.GetProperty("step").GetInt32() >= stepBeforeKill, $"lost more than a second: {run.GetProperty("step")} < {stepBeforeKill}");
            Assert.Equal(run.GetProperty("step").GetInt32(), RowCounts(database)[runningId].Batches);
            Assert.Equal(finishedMetrics, await MetricsAsync(second.Client, finishedId));
        }
        finally { DeleteFolder(folder); }
    }

    /// <summary>SIGTERM to the server in the slowest phase a run has (a child-speech run's first evaluation at a
    /// 1,024-character context and 200 evaluation batches): the run is cancelled and stored as "cancelled", and the
    /// server is gone well inside the host's shutdown timeout (before: the evaluation ignored the cancel, the host gave
    /// up after its timeout and the run came back "interrupted").</summary>
    [Fact]
    public async Task SigtermCancelsTheServersRunsAndStoresThemCancelled()
    {
        string folder = TempFolder();
        try
        {
            string database = Path.Combine(folder, "runs.db");
            string id;
            await using (var server = await ServerProcess.StartAsync(folder, database))
            {
                id = await StartAsync(server.Client, new
                {
                    problem = "child-speech", optimizer = "sgd", batchSize = 64, epochs = 1,
                    problemOptions = new { text = new { preset = "tiny", block = 1024, evalBatches = 200, saveCheckpoints = false } },
                });
                await WaitAsync(server.Client, id, r => r.GetProperty("status").GetString() == "running");
                await Task.Delay(1000);
                    using (var kill = Process.Start("kill", ["-TERM", server.Process.Id.ToString()])) await kill.WaitForExitAsync();
                // Well inside the host's 30-s shutdown timeout (the process exit itself takes a few seconds on a busy machine).
                Assert.True(server.Process.WaitForExit(TimeSpan.FromSeconds(15)), $"the server did not stop within 15 s of SIGTERM");
            }
            await using var second = await ServerProcess.StartAsync(folder, database);
            var run = JsonDocument.Parse(await second.Client.GetStringAsync($"/api/runs/{id}")).RootElement;
            Assert.Equal("cancelled", run.GetProperty("status").GetString());
        }
        finally { DeleteFolder(folder); }
    }

    /// <summary>The CLI stopped by SIGTERM (as by Ctrl-C) ends its run as cancelled and writes what it has: metrics.csv,
    /// epochs.csv (left empty before: the process died with them in its buffers) and summary.json.</summary>
    [Fact]
    public async Task TheCliStoppedBySigtermWritesWhatItHasAndSaysCancelled()
    {
        string folder = TempFolder();
        try
        {
            string config = Path.Combine(folder, "request.json");
            await File.WriteAllTextAsync(config, """{ "problem": "noisy-linear", "optimizer": "sgd", "batchSize": 1, "epochs": 2000, "seed": 3 }""");
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "PolyakDashboard.dll"), "run", "--config", config, "--out", folder, "--no-figures" })
                start.ArgumentList.Add(a);
            using var cli = Process.Start(start)!;
            var output = cli.StandardOutput.ReadToEndAsync();
            _ = cli.StandardError.ReadToEndAsync();
            var clock = Stopwatch.StartNew();
            string? runFolder = null;
            while (clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                runFolder = Directory.GetDirectories(folder).FirstOrDefault(d => File.Exists(Path.Combine(d, "metrics.csv")));
                if (runFolder is not null && new FileInfo(Path.Combine(runFolder, "metrics.csv")).Length > 100_000) break;  // a few thousand steps
                await Task.Delay(50);
            }
            Assert.NotNull(runFolder);
            using (var kill = Process.Start("kill", ["-TERM", cli.Id.ToString()])) await kill.WaitForExitAsync();
            clock.Restart();
            Assert.True(cli.WaitForExit(TimeSpan.FromSeconds(10)), "the CLI did not stop within 10 s of SIGTERM");

            using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(runFolder!, "summary.json")));
            Assert.Equal("cancelled", summary.RootElement.GetProperty("status").GetString());
            int steps = summary.RootElement.GetProperty("steps").GetInt32();
            Assert.True(steps > 1000, $"only {steps} steps");
            var metricRows = await File.ReadAllLinesAsync(Path.Combine(runFolder!, "metrics.csv"));
            Assert.Equal(steps, metricRows.Length - 1);                                     // every step it took, and its header
            var epochRows = await File.ReadAllLinesAsync(Path.Combine(runFolder!, "epochs.csv"));
            Assert.Equal(steps / 1000 + 1, epochRows.Length - 1);                           // epoch 0 and every finished epoch
            Assert.Contains("cancelled", await output);
            Assert.Equal(PolyakDashboard.Cli.CommandLine.CancelledExitCode, cli.ExitCode);
        }
        finally { DeleteFolder(folder); }
    }

    [Fact]
    public async Task AGarbageStoreStopsTheServerWithOneClearMessage()
    {
        string folder = TempFolder();
        try
        {
            string database = Path.Combine(folder, "runs.db");
            await File.WriteAllTextAsync(database, string.Concat(Enumerable.Repeat("not a database ", 500)));
            await using var server = ServerProcess.Launch(folder, database);
            Assert.True(server.Process.WaitForExit(60_000), "the server kept running on a garbage store");
            server.Process.WaitForExit();      // drains the output
            Assert.Equal(3, server.Process.ExitCode);
            string expected = $"The run store {database} cannot be opened: SQLite Error 26: 'file is not a database'. Move it aside or set ConnectionStrings:Runs.";
            Assert.Equal(expected, server.Errors.ToString().Trim());
            Assert.DoesNotContain("Unhandled exception", server.Output.ToString());
            Assert.DoesNotContain("   at ", server.Output.ToString() + server.Errors);   // no stack trace
        }
        finally { DeleteFolder(folder); }
    }
}

/// <summary>PolyakDashboard.dll (from this test's output folder) run by dotnet on a loopback port of its own.</summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(Process process) => Process = process;

    public Process Process { get; }
    public StringBuilder Output { get; } = new();
    public StringBuilder Errors { get; } = new();
    public HttpClient Client { get; private set; } = null!;

    /// <summary>Starts the server and waits until it listens.</summary>
    public static async Task<ServerProcess> StartAsync(string folder, string database)
    {
        var server = Launch(folder, database);
        var exited = server.Process.WaitForExitAsync();
        var first = await Task.WhenAny(server._listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(90)));
        if (first != server._listening.Task)
        {
            await server.DisposeAsync();
            throw new InvalidOperationException($"The server did not start.\n{server.Output}\n{server.Errors}");
        }
        server.Client = new HttpClient { BaseAddress = await server._listening.Task };
        return server;
    }

    public static ServerProcess Launch(string folder, string database)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "PolyakDashboard.dll"));
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ConnectionStrings__Runs"] = $"Data Source={database}";
        start.Environment["Runs__MaxConcurrentRuns"] = "2";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        var server = new ServerProcess(new Process { StartInfo = start });
        server.Process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (server.Output) server.Output.AppendLine(e.Data);
            if (Listening().Match(e.Data) is { Success: true } m) server._listening.TrySetResult(new Uri(m.Groups[1].Value));
        };
        server.Process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (server.Errors) server.Errors.AppendLine(e.Data); };
        server.Process.Start();
        server.Process.BeginOutputReadLine();
        server.Process.BeginErrorReadLine();
        return server;
    }

    /// <summary>SIGKILL: no shutdown, no last flush.</summary>
    public void Kill()
    {
        Process.Kill(entireProcessTree: true);
        Process.WaitForExit();
    }

    public ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (!Process.HasExited) Kill();
        Process.Dispose();
        return ValueTask.CompletedTask;
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex Listening();
}
