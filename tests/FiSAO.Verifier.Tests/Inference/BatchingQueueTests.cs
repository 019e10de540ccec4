using FiSAO.Verifier.Inference;

namespace FiSAO.Verifier.Tests.Inference;

public class BatchingQueueTests
{
    [Fact]
    public async Task Concurrent_items_are_processed_together_and_each_gets_its_own_answer()
    {
        var batchSizes = new List<int>();
        using var gate = new ManualResetEventSlim(false);
        using var queue = new BatchingQueue<int, int>("test", xs =>
        {
            gate.Wait(TimeSpan.FromSeconds(10));
            return xs.Select(x => x * 10).ToList();
        }, maxBatchSize: 8, maxDelay: TimeSpan.FromMilliseconds(200), capacity: 64, onBatch: n => { lock (batchSizes) batchSizes.Add(n); });

        var first = queue.EnqueueAsync(0);           // occupies the worker until the gate opens
        await Task.Delay(50);
        var rest = Enumerable.Range(1, 16).Select(i => queue.EnqueueAsync(i)).ToArray();
        gate.Set();
        var results = await Task.WhenAll(rest.Prepend(first));

        Assert.Equal(Enumerable.Range(0, 17).Select(i => i * 10), results);
        Assert.Contains(batchSizes, n => n == 8);     // the 16 waiting items were taken 8 at a time
        Assert.All(batchSizes, n => Assert.InRange(n, 1, 8));
    }

    [Fact]
    public async Task A_full_queue_refuses_at_once_instead_of_growing()
    {
        using var gate = new ManualResetEventSlim(false);
        using var queue = new BatchingQueue<int, int>("test", xs => { gate.Wait(TimeSpan.FromSeconds(10)); return xs; },
            maxBatchSize: 1, maxDelay: TimeSpan.Zero, capacity: 2);
        var busy = queue.EnqueueAsync(1);
        await Task.Delay(50);                         // the worker holds item 1
        var a = queue.EnqueueAsync(2);
        var b = queue.EnqueueAsync(3);
        var full = Assert.Throws<QueueFullException>(() => { _ = queue.EnqueueAsync(4); }); // synchronously, not a faulted task
        Assert.Contains("full", full.Message);
        gate.Set();
        Assert.Equal(new[] { 1, 2, 3 }, await Task.WhenAll(busy, a, b));
        Assert.Equal(5, await queue.EnqueueAsync(5)); // and it accepts work again afterwards
    }

    [Fact]
    public async Task A_caller_that_cancelled_before_its_batch_started_is_not_computed()
    {
        using var gate = new ManualResetEventSlim(false);
        var seen = new List<int>();
        using var queue = new BatchingQueue<int, int>("test", xs => { gate.Wait(TimeSpan.FromSeconds(10)); lock (seen) seen.AddRange(xs); return xs; },
            maxBatchSize: 4, maxDelay: TimeSpan.Zero, capacity: 8);
        var busy = queue.EnqueueAsync(1);
        await Task.Delay(50);
        using var cts = new CancellationTokenSource();
        var cancelled = queue.EnqueueAsync(2, cts.Token);
        var kept = queue.EnqueueAsync(3);
        cts.Cancel();
        gate.Set();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(3, await kept);
        await busy;
        Assert.DoesNotContain(2, seen);
    }

    [Fact]
    public async Task A_failing_batch_fails_its_callers_and_the_queue_keeps_working()
    {
        using var queue = new BatchingQueue<int, int>("test",
            xs => xs.Contains(-1) ? throw new InvalidOperationException("boom") : xs,
            maxBatchSize: 1, maxDelay: TimeSpan.Zero, capacity: 8);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => queue.EnqueueAsync(-1));
        Assert.Equal("boom", error.Message);
        Assert.Equal(7, await queue.EnqueueAsync(7));
    }
}
