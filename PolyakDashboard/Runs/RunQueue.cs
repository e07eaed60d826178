using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using PolyakDashboard.ChildSpeech;
using PolyakCore.Training;

namespace PolyakDashboard.Runs;

/// <summary>What trains one run on a training thread: <see cref="TrainerEngine"/>; tests put a faulty one in its place.</summary>
public interface IRunEngine
{
    /// <summary>Trains the run, streaming its records into it; ends in the summary's status. May throw (the queue marks the run failed).</summary>
    RunSummary Execute(LiveRun run, CancellationToken cancel);
}

/// <summary>The trainer of the request's problem: the small problems' or the character model's (corpora and
/// checkpoints from <see cref="TextLibraries"/>).</summary>
public sealed class TrainerEngine(TextLibraries? text = null, RunLimits? limits = null) : IRunEngine
{
    public RunSummary Execute(LiveRun run, CancellationToken cancel) =>
        RunEngine.Run(run.Request, run, cancel, limits, text?.EnvironmentFor(run.Id, run.Request.Optimizer));
}

/// <summary>FIFO queue of runs with bounded length, worked by a bounded number of training threads.</summary>
public sealed class RunQueue : BackgroundService
{
    private readonly Channel<LiveRun> _channel;
    private readonly RunOptions _options;
    private readonly ILogger<RunQueue> _logger;
    private readonly IRunEngine _engine;
    // Runs waiting to start, as counted against MaxQueueLength: a run cancelled while queued leaves at once, though
    // the channel hands it to a worker (who skips it) only in its turn.
    private readonly ConcurrentDictionary<LiveRun, byte> _waiting = new();

    public RunQueue(IOptions<RunOptions> options, ILogger<RunQueue> logger, IRunEngine? engine = null)
    {
        _options = options.Value;
        _logger = logger;
        _engine = engine ?? new TrainerEngine();
        _channel = Channel.CreateUnbounded<LiveRun>(new UnboundedChannelOptions { SingleReader = false });
    }

    /// <summary>Runs waiting to start.</summary>
    public int Waiting => _waiting.Count;

    /// <summary>False when the queue is full (the caller says so; nothing is dropped silently).</summary>
    public bool TryEnqueue(LiveRun run)
    {
        if (_waiting.Count >= Math.Max(1, _options.MaxQueueLength) || !_waiting.TryAdd(run, 0)) return false;
        run.StatusChanged += LeftQueue;
        if (run.IsFinished) LeftQueue(run);                    // cancelled before the handler was there
        if (_channel.Writer.TryWrite(run)) return true;
        _waiting.TryRemove(run, out _);
        return false;
    }

    private void LeftQueue(LiveRun run)
    {
        if (run.Status == RunStatus.Queued) return;
        run.StatusChanged -= LeftQueue;
        _waiting.TryRemove(run, out _);
    }

    protected override Task ExecuteAsync(CancellationToken stopping) =>
        Task.WhenAll(Enumerable.Range(0, Math.Max(1, _options.MaxConcurrentRuns)).Select(_ => WorkAsync(stopping)));

    private async Task WorkAsync(CancellationToken stopping)
    {
        try
        {
            await foreach (var run in _channel.Reader.ReadAllAsync(stopping))
            {
                run.StatusChanged -= LeftQueue;
                _waiting.TryRemove(run, out _);
                if (run.IsFinished) continue;                          // cancelled while queued
                using var link = CancellationTokenSource.CreateLinkedTokenSource(run.CancellationToken, stopping);
                run.MarkRunning();
                try
                {
                    var summary = await RunThread.Start(() => _engine.Execute(run, link.Token), $"run {run.Id}");
                    run.Finish(summary);
                }
                catch (Exception e)
                {
                    _logger.LogError(e, "Run {Id} failed", run.Id);
                    run.Fail(e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested) { }
        finally
        {
            // Shutting down: whatever still waits ends as cancelled, not as "queued" forever.
            while (_channel.Reader.TryRead(out var left)) left.Cancel();
        }
    }
}
