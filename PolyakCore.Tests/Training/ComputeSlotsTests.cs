using System.Diagnostics;
using PolyakCore.Training;

namespace PolyakCore.Tests.Training;

public class ComputeSlotsTests
{
    [Fact]
    public async Task ThreeThreadsOnTwoSlotsNeverComputeThreeAtOnceAndEachGetsItsShare()
    {
        var slots = new ComputeSlots(2);
        int inside = 0, most = 0;
        var steps = new int[3];
        var until = Stopwatch.StartNew();
        var threads = Enumerable.Range(0, 3).Select(t => RunThread.Start(() =>
        {
            using var turn = slots.Join();
            while (until.Elapsed < TimeSpan.FromSeconds(1.5))
            {
                turn.Next();
                int now = Interlocked.Increment(ref inside);
                InterlockedMax(ref most, now);
                SpinFor(TimeSpan.FromMilliseconds(1));   // a step
                Interlocked.Decrement(ref inside);
                steps[t]++;
            }
            return true;
        })).ToArray();
        await Task.WhenAll(threads);

        Assert.Equal(2, most);
        Assert.Equal(2, slots.Free);
        // Turns of 10 ms in order: over 1.5 s each thread computes about two thirds of the time (~1,000 steps of 1 ms).
        Assert.All(steps, n => Assert.InRange(n, 0.5 * steps.Average(), 1.5 * steps.Average()));
    }

    [Fact]
    public async Task ACancelledWaiterReturnsAtOnceWithoutASlotAndTheSlotStaysWithItsHolder()
    {
        var slots = new ComputeSlots(1);
        using var holder = slots.Join();
        holder.Next();
        using var cancel = new CancellationTokenSource();
        var clock = new Stopwatch();
        var waiter = RunThread.Start(() =>
        {
            using var turn = slots.Join(cancel.Token);
            turn.Next();
            return clock.Elapsed;
        });
        await Task.Delay(200);
        Assert.False(waiter.IsCompleted);   // waiting for the held slot
        clock.Start();
        cancel.Cancel();
        Assert.True((await waiter) < TimeSpan.FromSeconds(1));
        Assert.Equal(0, slots.Free);
        holder.Dispose();
        Assert.Equal(1, slots.Free);
    }

    [Fact]
    public async Task WaitingThreadsGetTheSlotInTheOrderTheyAsked()
    {
        var slots = new ComputeSlots(1);
        var holder = slots.Join();
        holder.Next();
        var order = new List<int>();
        var waiters = new List<Task<bool>>();
        for (int i = 0; i < 4; i++)
        {
            int id = i;
            waiters.Add(RunThread.Start(() =>
            {
                using var turn = slots.Join();
                turn.Next();
                lock (order) order.Add(id);
                return true;
            }));
            while (slots.Waiting < i + 1) await Task.Delay(5);   // queued before the next one asks
        }
        holder.Dispose();
        await Task.WhenAll(waiters);
        Assert.Equal([0, 1, 2, 3], order);
    }

    private static void SpinFor(TimeSpan t)
    {
        var s = Stopwatch.StartNew();
        while (s.Elapsed < t) { }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (int seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
            if (Interlocked.CompareExchange(ref target, value, seen) == seen) return;
    }
}
