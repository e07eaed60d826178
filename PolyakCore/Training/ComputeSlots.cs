using System.Diagnostics;

namespace PolyakCore.Training;

/// <summary>At most as many computing threads run at once as the machine has cores; the others wait their turn, first
/// come first served, and a thread that has computed for a <see cref="Quantum"/> while others wait goes to the back.</summary>
/// <remarks>Six runs at once on two cores are six runnable threads: where the kernel does not group a session's threads
/// (Linux without autogroup, as in containers and CI) a browser on the same machine then got a seventh of the CPU, and
/// on /1b its chart redraws took 77–124 ms instead of 22 (a chart on screen redrew 0–1.6 times a second). Taking turns
/// leaves the machine's other work — the server's request and hub threads, the browser — competing with as many
/// computing threads as there are cores, and the runs still progress side by side. Operating-system priorities
/// cannot do this: on Linux a nice value is inherited by every thread a computing thread creates, and the .NET thread
/// pool creates its workers on whichever thread asks for one. No library offers a fair, cancellable semaphore;
/// <see cref="SemaphoreSlim"/> wakes waiters in no particular order.</remarks>
public sealed class ComputeSlots(int slots)
{
    /// <summary>How long a thread computes before it lets a waiting one go first.</summary>
    public static readonly TimeSpan Quantum = TimeSpan.FromMilliseconds(10);

    /// <summary>The process's slots: one per core.</summary>
    public static ComputeSlots Shared { get; } = new(Environment.ProcessorCount);

    private readonly Lock _lock = new();
    private readonly LinkedList<Waiter> _waiting = [];
    private int _free = Math.Max(1, slots);

    /// <summary>Slots free now (for tests and diagnostics).</summary>
    public int Free { get { lock (_lock) return _free; } }

    /// <summary>Threads waiting for a slot now.</summary>
    public int Waiting => Volatile.Read(ref _waitingCount);

    /// <summary>A computing thread's turns on these slots; take <see cref="Turn.Next"/> before each step, dispose at the end.</summary>
    public Turn Join(CancellationToken cancel = default) => new(this, cancel);

    /// <summary>Waits for a slot; false when cancelled first (no slot then).</summary>
    private bool Acquire(CancellationToken cancel)
    {
        Waiter waiter;
        lock (_lock)
        {
            if (_free > 0 && _waiting.Count == 0) { _free--; return true; }
            waiter = new Waiter();
            waiter.Node = _waiting.AddLast(waiter);
            _waitingCount = _waiting.Count;
        }
        try
        {
            waiter.Granted.Wait(cancel);
            return true;
        }
        catch (OperationCanceledException)
        {
            lock (_lock)
            {
                if (waiter.Node.List is not null)
                {
                    _waiting.Remove(waiter.Node);
                    _waitingCount = _waiting.Count;
                    return false;
                }
            }
            Release();   // granted as the wait was cancelled: pass the slot on
            return false;
        }
    }

    private void Release()
    {
        Waiter? next = null;
        lock (_lock)
        {
            if (_waiting.First is { } first)
            {
                _waiting.RemoveFirst();
                _waitingCount = _waiting.Count;
                next = first.Value;
            }
            else _free++;
        }
        next?.Granted.Release();
    }

    /// <summary>Whether a thread waits for a slot (read without the lock: a stale answer only shifts a turn by a step).</summary>
    private bool HasWaiters => Waiting > 0;
    private int _waitingCount;

    private sealed class Waiter
    {
        public readonly SemaphoreSlim Granted = new(0, 1);
        public LinkedListNode<Waiter> Node = null!;
    }

    /// <summary>One thread's use of the slots: holds one between <see cref="Next"/> and the end of its quantum.</summary>
    public sealed class Turn(ComputeSlots slots, CancellationToken cancel) : IDisposable
    {
        private static readonly long QuantumTicks = (long)(Quantum.TotalSeconds * Stopwatch.Frequency);
        private bool _holding;
        private long _since;

        /// <summary>Before a step: takes a slot if this thread has none, or gives it up for a waiting thread's turn once its
        /// quantum is over and waits for the next. Returns at once, without a slot, when cancelled (check the token next).</summary>
        public void Next()
        {
            if (_holding)
            {
                if (Stopwatch.GetTimestamp() - _since < QuantumTicks || !slots.HasWaiters) return;
                _holding = false;
                slots.Release();
            }
            _holding = slots.Acquire(cancel);
            _since = Stopwatch.GetTimestamp();
        }

        public void Dispose()
        {
            if (!_holding) return;
            _holding = false;
            slots.Release();
        }
    }
}
