using System.Diagnostics;
using Microsoft.Extensions.Options;
using PolyakCore.Text;
using PolyakCore.Training;

namespace PolyakDashboard.ChildSpeech;

/// <summary>What a generation tells its caller as it goes (called from other threads; keep it quick).</summary>
public interface IGenerationObserver
{
    /// <summary>Waiting for a free slot, with <paramref name="ahead"/> generations in front (called again as it moves up).</summary>
    void OnQueued(int ahead) { }

    /// <summary>The checkpoints are loaded and a slot is ours: characters follow.</summary>
    void OnStarted() { }

    /// <summary>A character of checkpoint <paramref name="column"/>, on the generation thread.</summary>
    void OnCharacter(int column, SampledCharacter character) { }
}

/// <summary>Why a generation was refused.</summary>
public enum GenerationRefusal { Invalid, UnknownCheckpoint, Busy }

public sealed class GenerationException(GenerationRefusal refusal, IReadOnlyList<FieldError> errors)
    : Exception(string.Join(" ", errors.Select(e => e.Message)))
{
    public GenerationRefusal Refusal { get; } = refusal;
    public IReadOnlyList<FieldError> Errors { get; } = errors;
}

/// <summary>One checkpoint's samples.</summary>
public sealed record CheckpointSamples(string Checkpoint, IReadOnlyList<GeneratedSample> Samples);

/// <summary>A finished (or stopped) generation and how fast it went.</summary>
/// <param name="FirstCharacterMs">From the request to the first character (loading and queueing included).</param>
public sealed record GenerationOutcome(int Seed, IReadOnlyList<CheckpointSamples> Checkpoints, int Characters, double Seconds,
    double CharactersPerSecond, double? FirstCharacterMs, double QueuedMs, bool Stopped);

/// <summary>Generations from saved checkpoints with bounded concurrency: at most <c>MaxConcurrentGenerations</c> run at
/// once, each on a thread of its own (TorchSharp's no_grad and dispose scopes are thread-local); up to
/// <c>MaxQueuedGenerations</c> more wait in line, first come first served, and are told their place; beyond that a
/// request is refused at once. Cancelling (Stop, a closed page, a dropped connection) ends a generation within a character.</summary>
public sealed class GenerationService(CheckpointCache cache, IOptions<ChildSpeechOptions> options, ILogger<GenerationService> logger)
{
    private readonly ChildSpeechOptions _options = options.Value;
    private readonly object _gate = new();
    private readonly LinkedList<Waiter> _waiting = new();
    private int _running;

    public SamplingLimits Limits => _options.SamplingLimits;
    public int MaxSideBySide => _options.MaxSideBySide;

    /// <summary>Generations running now.</summary>
    public int Running { get { lock (_gate) return _running; } }

    /// <summary>Generations waiting for a slot now.</summary>
    public int Waiting { get { lock (_gate) return _waiting.Count; } }

    /// <summary>Checks what can be checked without loading a model (names, numbers); empty when fine.</summary>
    public IReadOnlyList<FieldError> Validate(IReadOnlyList<string> checkpoints, SamplingSettings settings)
    {
        var errors = new List<FieldError>();
        if (checkpoints.Count == 0) errors.Add(new("checkpoint", "Choose a checkpoint."));
        else if (checkpoints.Count > MaxSideBySide)
            errors.Add(new("checkpoints", $"At most {MaxSideBySide} checkpoints side by side; got {checkpoints.Count}."));
        foreach (var name in checkpoints.Where(n => !CheckpointLibrary.IsSafeName(n)))
            errors.Add(new("checkpoint", $"'{name}' is not a checkpoint name (letters, digits, '-', '_' and '.' only)."));
        errors.AddRange(SamplingValidation.Validate(settings, Limits));
        return errors;
    }

    /// <summary>Loads the checkpoints, checks the settings against each one's vocabulary, waits for a slot and generates.</summary>
    /// <exception cref="GenerationException">Bad settings, an unknown or unusable checkpoint, or a full queue.</exception>
    public async Task<GenerationOutcome> GenerateAsync(IReadOnlyList<string> checkpoints, SamplingSettings settings,
        IGenerationObserver? observer = null, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        var errors = Validate(checkpoints, settings).ToList();
        if (errors.Count > 0) throw new GenerationException(GenerationRefusal.Invalid, errors);
        var leases = new List<CheckpointCache.Lease>();
        try
        {
            foreach (var name in checkpoints) leases.Add(await Task.Run(() => Acquire(name), cancel));
            var samplers = leases.Select(l => new TextSampler(l.Checkpoint, Limits)).ToArray();
            // Per checkpoint; a message every checkpoint gives (same vocabulary) is said once.
            var perModel = samplers.Select(s => SamplingValidation.Validate(settings, Limits, s.Tokenizer)).ToArray();
            for (int i = 0; i < samplers.Length; i++)
                foreach (var e in perModel[i])
                    if (perModel.All(m => m.Contains(e))) { if (!errors.Contains(e)) errors.Add(e); }
                    else errors.Add(e with { Message = $"{checkpoints[i]}: {e.Message}" });
            if (errors.Count > 0) throw new GenerationException(GenerationRefusal.Invalid, errors);

            using var slot = await AcquireSlotAsync(observer, cancel);
            double queuedMs = clock.Elapsed.TotalMilliseconds;
            observer?.OnStarted();
            double? first = null;
            int characters = 0;
            var started = Stopwatch.StartNew();
            // One torch thread: a character at batch 1 is a chain of tiny ops, where a second OpenMP thread only adds
            // hand-offs (quiet machine, tiny preset: 1,608 vs 946 characters/s) and takes the core a training run is using.
            var results = await RunThread.Start(() => TextSampler.GenerateSideBySide(samplers, settings, (column, c) =>
            {
                if (characters++ == 0) first = clock.Elapsed.TotalMilliseconds;
                observer?.OnCharacter(column, c);
            }, cancel), "generation", torchThreads: 1);
            double seconds = started.Elapsed.TotalSeconds;
            var outcome = new GenerationOutcome(settings.Seed,
                [.. results.Select((samples, i) => new CheckpointSamples(checkpoints[i], samples))],
                characters, seconds, characters / Math.Max(seconds, 1e-9), first, queuedMs, cancel.IsCancellationRequested);
            logger.LogInformation("Generated {Characters} characters from {Checkpoints} in {Seconds:F2} s ({Rate:F0}/s); first after {First:F0} ms, queued {Queued:F0} ms{Stopped}",
                characters, string.Join(", ", checkpoints), seconds, outcome.CharactersPerSecond, first, queuedMs, outcome.Stopped ? " (stopped)" : "");
            return outcome;
        }
        finally
        {
            foreach (var lease in leases) lease.Dispose();
        }
    }

    private CheckpointCache.Lease Acquire(string name)
    {
        try { return cache.Acquire(name); }
        catch (CheckpointException e) when (e.Message.StartsWith("There is no checkpoint", StringComparison.Ordinal))
        {
            throw new GenerationException(GenerationRefusal.UnknownCheckpoint, [new("checkpoint", e.Message)]);
        }
        catch (CheckpointException e)
        {
            throw new GenerationException(GenerationRefusal.Invalid, [new("checkpoint", e.Message)]);
        }
    }

    /// <summary>A running slot, at once or after waiting in line; refused when the line is full.</summary>
    private async Task<IDisposable> AcquireSlotAsync(IGenerationObserver? observer, CancellationToken cancel)
    {
        Waiter waiter;
        int ahead;
        lock (_gate)
        {
            if (_running < Math.Max(1, _options.MaxConcurrentGenerations))
            {
                _running++;
                return new Slot(this);
            }
            if (_waiting.Count >= _options.MaxQueuedGenerations)
                throw new GenerationException(GenerationRefusal.Busy, [new("busy",
                    $"The server is busy: {_running} generations are running and {_waiting.Count} waiting. Try again in a moment.")]);
            waiter = new Waiter(observer);
            waiter.Node = _waiting.AddLast(waiter);
            ahead = _waiting.Count - 1;
        }
        observer?.OnQueued(ahead);
        using (cancel.Register(() => Leave(waiter)))
        {
            await waiter.Ready.Task;
        }
        return new Slot(this);
    }

    private void Leave(Waiter waiter)
    {
        List<(Waiter, int)> moved;
        lock (_gate)
        {
            if (waiter.Node?.List is null) return;                 // already handed a slot
            _waiting.Remove(waiter.Node);
            moved = Positions();
        }
        waiter.Ready.TrySetCanceled();
        Tell(moved);
    }

    /// <summary>Hands the slot to the first in line, or frees it.</summary>
    private void Release()
    {
        Waiter? next = null;
        List<(Waiter, int)> moved = [];
        lock (_gate)
        {
            if (_waiting.First is { } first)
            {
                next = first.Value;
                _waiting.RemoveFirst();
                moved = Positions();
            }
            else _running--;
        }
        next?.Ready.TrySetResult();
        Tell(moved);
    }

    private List<(Waiter, int)> Positions() => [.. _waiting.Select((w, i) => (w, i))];

    private static void Tell(List<(Waiter Waiter, int Ahead)> moved)
    {
        foreach (var (w, ahead) in moved) w.Observer?.OnQueued(ahead);
    }

    private sealed class Waiter(IGenerationObserver? observer)
    {
        public IGenerationObserver? Observer { get; } = observer;
        public TaskCompletionSource Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public LinkedListNode<Waiter>? Node { get; set; }
    }

    private sealed class Slot(GenerationService owner) : IDisposable
    {
        private int _released;
        public void Dispose() { if (Interlocked.Exchange(ref _released, 1) == 0) owner.Release(); }
    }
}
