using System.Collections.Concurrent;
using System.Diagnostics;

namespace FiSAO.Verifier.Inference;

/// <summary>The queue is at capacity: the caller gets RESOURCE_EXHAUSTED / HTTP 429 at once.</summary>
public sealed class QueueFullException(int capacity)
    : Exception($"The verifier's encoding queue is full ({capacity} waiting); retry with backoff.")
{
    public int Capacity { get; } = capacity;
}

/// <summary>
/// Gathers work from concurrent callers into batches processed on one dedicated thread. TorchSharp dispose
/// scopes are thread-static and libtorch already parallelises inside an op, so a single inference thread fed by
/// a bounded queue is the natural shape: batching amortises the forward pass, the bound keeps memory flat.
/// A batch closes when it reaches <see cref="MaxBatchSize"/> or <see cref="MaxDelay"/> after its first item.
/// </summary>
public sealed class BatchingQueue<TIn, TOut> : IDisposable
{
    readonly BlockingCollection<WorkItem> _queue;
    readonly Func<IReadOnlyList<TIn>, IReadOnlyList<TOut>> _process;
    readonly Thread _thread;
    readonly CancellationTokenSource _stopping = new();

    public BatchingQueue(string name, Func<IReadOnlyList<TIn>, IReadOnlyList<TOut>> process,
        int maxBatchSize, TimeSpan maxDelay, int capacity, Action<int>? onBatch = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDelay, TimeSpan.Zero);
        _process = process;
        MaxBatchSize = maxBatchSize;
        MaxDelay = maxDelay;
        Capacity = capacity;
        OnBatch = onBatch;
        _queue = new BlockingCollection<WorkItem>(new ConcurrentQueue<WorkItem>(), capacity);
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    public int MaxBatchSize { get; }
    public TimeSpan MaxDelay { get; }
    public int Capacity { get; }
    public int Depth => _queue.Count;
    Action<int>? OnBatch { get; }

    /// <summary>Queues one item; throws <see cref="QueueFullException"/> at once when the queue is full.</summary>
    public Task<TOut> EnqueueAsync(TIn input, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var item = new WorkItem(input, cancellationToken);
        if (!_queue.TryAdd(item)) throw new QueueFullException(Capacity);
        return item.Completion.Task;
    }

    void Run()
    {
        var batch = new List<WorkItem>(MaxBatchSize);
        var token = _stopping.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                batch.Clear();
                if (!_queue.TryTake(out var first, Timeout.Infinite, token)) continue;
                batch.Add(first);
                var deadline = Stopwatch.GetTimestamp() + (long)(MaxDelay.TotalSeconds * Stopwatch.Frequency);
                while (batch.Count < MaxBatchSize)
                {
                    var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                    if (_queue.TryTake(out var next)) { batch.Add(next); continue; }
                    if (remaining <= TimeSpan.Zero) break;
                    if (!_queue.TryTake(out next, (int)Math.Ceiling(remaining.TotalMilliseconds), token)) break;
                    batch.Add(next!);
                }
                ProcessBatch(batch);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested) { }
        finally
        {
            // Nothing accepted is left hanging on shutdown.
            while (_queue.TryTake(out var left))
                left.Completion.TrySetException(new ObjectDisposedException(_thread.Name, "The verifier is shutting down."));
        }
    }

    void ProcessBatch(List<WorkItem> batch)
    {
        // Callers that gave up (deadline, cancellation) before we started are dropped, not computed.
        var live = new List<WorkItem>(batch.Count);
        foreach (var item in batch)
        {
            if (item.Cancellation.IsCancellationRequested) item.Completion.TrySetCanceled(item.Cancellation);
            else live.Add(item);
        }
        if (live.Count == 0) return;
        try
        {
            var outputs = _process(live.Select(w => w.Input).ToList());
            if (outputs.Count != live.Count)
                throw new InvalidOperationException($"Batch processor returned {outputs.Count} results for {live.Count} inputs.");
            OnBatch?.Invoke(live.Count);
            for (int i = 0; i < live.Count; i++) live[i].Completion.TrySetResult(outputs[i]);
        }
        catch (Exception e)
        {
            foreach (var item in live) item.Completion.TrySetException(e);
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _queue.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(10));
        _stopping.Dispose();
        _queue.Dispose();
    }

    sealed class WorkItem(TIn input, CancellationToken cancellation)
    {
        public TIn Input { get; } = input;
        public CancellationToken Cancellation { get; } = cancellation;
        public TaskCompletionSource<TOut> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
