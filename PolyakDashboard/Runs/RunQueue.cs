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
    private int _waiting;

    public RunQueue(IOptions<RunOptions> options, ILogger<RunQueue> logger, IRunEngine? engine = null)
    {
        _options = options.Value;
        _logger = logger;
        _engine = engine ?? new TrainerEngine();
        _channel = Channel.CreateBounded<LiveRun>(new BoundedChannelOptions(Math.Max(1, _options.MaxQueueLength))
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
        });
    }

    /// <summary>Runs waiting to start.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>False when the queue is full (the caller says so; nothing is dropped silently).</summary>
    public bool TryEnqueue(LiveRun run)
    {
        if (!_channel.Writer.TryWrite(run)) return false;
        Interlocked.Increment(ref _waiting);
        return true;
    }

    protected override Task ExecuteAsync(CancellationToken stopping) =>
        Task.WhenAll(Enumerable.Range(0, Math.Max(1, _options.MaxConcurrentRuns)).Select(_ => WorkAsync(stopping)));

    private async Task WorkAsync(CancellationToken stopping)
    {
        try
        {
            await foreach (var run in _channel.Reader.ReadAllAsync(stopping))
            {
                Interlocked.Decrement(ref _waiting);
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
