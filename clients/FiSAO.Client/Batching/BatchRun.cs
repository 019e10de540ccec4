using System.Globalization;
using FiSAO.Verifier.V1;
using Google.Protobuf;
using Grpc.Core;

namespace FiSAO.Client;

/// <summary>
/// One <see cref="FiSAOVerifierClient.ScoreBatchAsync"/>: sends every distinct image's bytes once and refers to it by
/// id afterwards, packs items into ScoreTokensBatch calls under the item and byte budgets, keeps a bounded number of
/// calls in flight, and puts each answer at its input index.
/// </summary>
/// <remarks>
/// <para>Image placement. The first item of an image carries the bytes; its other items wait until that call has
/// answered and then go by id. They never share the carrier's call: the verifier scores the items of a call
/// concurrently, so an id sent next to its own bytes can be looked up before they are encoded (NOT_FOUND). Images
/// this client already delivered (<see cref="ImageRegistry"/>) go by id from the start.</para>
/// <para>NOT_FOUND for an id (a replica that never saw it under round-robin, restarted, or evicted it) sends that item
/// again with bytes; the image's other missing items wait for it, so a miss costs one upload per image and replica,
/// not per item. Per-item RESOURCE_EXHAUSTED (the verifier's queue is full) is retried with backoff, up to
/// <see cref="VerifierResilienceOptions.MaxAttempts"/> sends per item. Other per-item errors become
/// <see cref="ItemFailure"/>s. A call that fails for good (after the pipeline's retries) fails the batch.</para>
/// <para>All state is changed by the one loop in <see cref="RunAsync"/>; calls only return answers to it.</para>
/// </remarks>
internal sealed class BatchRun
{
    readonly IReadOnlyList<ScoreItem> _items;
    readonly string _calibrationId;
    readonly TokenFormat _format;
    readonly string[] _ids;
    readonly Dictionary<string, ImageGroup> _groups = new(StringComparer.Ordinal);
    readonly ScoreItemResult?[] _results;
    readonly Queue<Work> _ready = new();
    readonly PriorityQueue<Work, long> _delayed = new();
    readonly ImageRegistry _known;
    readonly VerifierBatchOptions _batch;
    readonly VerifierResilienceOptions _resilience;
    readonly Func<ScoreTokensBatchRequest, CancellationToken, Task<ScoreTokensBatchResponse>> _send;
    int _remaining, _calls, _attempts, _uploads, _notFoundResends, _itemRetries;
    long _bytesSent;

    /// <summary>An item on its way: whether it carries its image's bytes, and how many times it has been sent.</summary>
    readonly record struct Work(int Index, bool WithBytes, int Sends);

    sealed class ImageGroup(ReadOnlyMemory<byte> bytes)
    {
        public ByteString Data { get; } = UnsafeByteOperations.UnsafeWrap(bytes);
        /// <summary>An item with this image's bytes is on its way; items that would go by id wait for its answer.</summary>
        public bool CarrierPending { get; set; }
        public List<int> Waiting { get; } = [];
    }

    public BatchRun(IReadOnlyList<ScoreItem> items, TokenFormat format, ImageRegistry known, VerifierBatchOptions batch,
        VerifierResilienceOptions resilience, Func<ScoreTokensBatchRequest, CallOptions, AsyncUnaryCall<ScoreTokensBatchResponse>> call,
        VerifierCallPipeline pipeline, string? calibrationId = null)
    {
        _items = items;
        _calibrationId = calibrationId ?? "";
        _format = format;
        _known = known;
        _batch = batch;
        _resilience = resilience;
        _results = new ScoreItemResult?[items.Count];
        _remaining = items.Count;
        _ids = ImageId.OfAll(items.Select(i => i.Image).ToList());
        _send = (request, cancellationToken) => pipeline.ExecuteAsync("ScoreTokensBatch", options =>
        {
            CountAttempt(request);
            return call(request, options);
        }, cancellationToken);

        for (int i = 0; i < items.Count; i++)
        {
            if (!_groups.TryGetValue(_ids[i], out var group)) _groups[_ids[i]] = group = new ImageGroup(items[i].Image);
            if (_known.Contains(_ids[i])) _ready.Enqueue(new Work(i, WithBytes: false, Sends: 0));
            else if (!group.CarrierPending)
            {
                group.CarrierPending = true;
                _ready.Enqueue(new Work(i, WithBytes: true, Sends: 0));
            }
            else group.Waiting.Add(i);
        }
    }

    public async Task<ScoreBatchResult> RunAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var inFlight = new Dictionary<Task<ScoreTokensBatchResponse>, List<Work>>();
        try
        {
            while (_remaining > 0)
            {
                PromoteDueRetries();
                while (inFlight.Count < _batch.MaxConcurrentCalls && _ready.Count > 0)
                {
                    var (request, works) = Pack(_batch.MaxConcurrentCalls - inFlight.Count);
                    _calls++;
                    inFlight.Add(_send(request, stop.Token), works);
                }

                var waits = new List<Task>(inFlight.Keys);
                if (_delayed.TryPeek(out _, out var due))
                    waits.Add(Task.Delay(TimeSpan.FromTicks(Math.Max(0, due - DateTime.UtcNow.Ticks)), stop.Token));
                if (waits.Count == 0)
                    throw new InvalidOperationException($"Batch scheduling stalled with {_remaining} items unanswered.");

                var done = await Task.WhenAny(waits).ConfigureAwait(false);
                if (done is not Task<ScoreTokensBatchResponse> call)
                {
                    await done.ConfigureAwait(false); // surfaces cancellation
                    continue;
                }
                var sent = inFlight[call];
                inFlight.Remove(call);
                Apply(sent, await call.ConfigureAwait(false));
            }
        }
        catch
        {
            // The batch failed (or was cancelled): stop the other calls and let them finish before leaving.
            await stop.CancelAsync().ConfigureAwait(false);
            try { await Task.WhenAll(inFlight.Keys).ConfigureAwait(false); } catch { /* the first failure is what counts */ }
            throw;
        }

        return new ScoreBatchResult(_results!, new BatchStatistics(_items.Count, _groups.Count, _calls, _attempts, _uploads,
            _bytesSent, _notFoundResends, _itemRetries));
    }

    (ScoreTokensBatchRequest Request, List<Work> Works) Pack(int freeSlots)
    {
        // Spread what is ready over the free slots, so calls run side by side (and reach different replicas).
        var target = Math.Min(_batch.MaxItemsPerCall, Math.Max(1, (_ready.Count + freeSlots - 1) / freeSlots));
        var request = new ScoreTokensBatchRequest();
        var works = new List<Work>(target);
        long bytes = 0;
        while (works.Count < target && _ready.TryPeek(out var work))
        {
            var item = Request(work);
            var size = CodedOutputStream.ComputeMessageSize(item) + 1; // + the field tag
            if (works.Count > 0 && bytes + size > _batch.MaxCallBytes) break;
            _ready.Dequeue();
            request.Items.Add(item);
            works.Add(work with { Sends = work.Sends + 1 });
            bytes += size;
        }
        return (request, works);
    }

    ScoreTokensRequest Request(Work work)
    {
        var request = new ScoreTokensRequest
        {
            Image = work.WithBytes ? new ImageRef { Data = _groups[_ids[work.Index]].Data } : new ImageRef { ImageId = _ids[work.Index] },
            TokenFormat = _format,
            RequestId = work.Index.ToString(CultureInfo.InvariantCulture),
            CalibrationId = _calibrationId,
        };
        request.Tokens.AddRange(_items[work.Index].Tokens);
        return request;
    }

    void Apply(List<Work> sent, ScoreTokensBatchResponse response)
    {
        if (response.Results.Count != sent.Count)
            throw new InvalidOperationException($"The verifier answered {response.Results.Count} results for a batch of {sent.Count} items.");
        for (int k = 0; k < sent.Count; k++)
        {
            var work = sent[k];
            var result = response.Results[k];
            if (result.RequestId != work.Index.ToString(CultureInfo.InvariantCulture))
                throw new InvalidOperationException($"The verifier answered request '{result.RequestId}' where '{work.Index}' was expected: results out of order.");
            var group = _groups[_ids[work.Index]];

            if (result.OutcomeCase == ScoreTokensResult.OutcomeOneofCase.Response)
            {
                Complete(ScoreItemResult.Success(work.Index, result.Response));
                if (work.WithBytes)
                {
                    _known.Add(_ids[work.Index]);
                    Release(group, withBytes: false);
                }
                continue;
            }

            var code = (StatusCode)(result.Error?.Code ?? (int)StatusCode.Unknown);
            var message = result.Error?.Message ?? "The verifier answered neither a response nor an error.";
            if (code == StatusCode.NotFound && !work.WithBytes)
            {
                _notFoundResends++;
                if (group.CarrierPending) group.Waiting.Add(work.Index);
                else
                {
                    group.CarrierPending = true;
                    _ready.Enqueue(work with { WithBytes = true });
                }
            }
            else if (TransientFailures.IsRetryable(code) && work.Sends < _resilience.MaxAttempts)
            {
                _itemRetries++;
                _delayed.Enqueue(work, DateTime.UtcNow.Ticks + Backoff(work.Sends).Ticks);
            }
            else
            {
                Complete(ScoreItemResult.Failed(work.Index, new ItemFailure(code, message)));
                // The carrier's image or its tokens may be at fault: each waiting item now answers for itself, with bytes.
                if (work.WithBytes) Release(group, withBytes: true);
            }
        }
    }

    void Release(ImageGroup group, bool withBytes)
    {
        group.CarrierPending = false;
        foreach (var index in group.Waiting) _ready.Enqueue(new Work(index, withBytes, Sends: 0));
        group.Waiting.Clear();
    }

    void Complete(ScoreItemResult result)
    {
        if (_results[result.Index] is not null)
            throw new InvalidOperationException($"Item {result.Index} was answered twice.");
        _results[result.Index] = result;
        _remaining--;
    }

    void PromoteDueRetries()
    {
        var now = DateTime.UtcNow.Ticks;
        while (_delayed.TryPeek(out var work, out var due) && due <= now)
        {
            _delayed.Dequeue();
            _ready.Enqueue(work);
        }
    }

    /// <summary>Exponential backoff with full jitter in [d/2, d], d = min(MaxDelay, BaseDelay * 2^(sends-1)).</summary>
    TimeSpan Backoff(int sends)
    {
        var delay = Math.Min(_resilience.MaxDelay.TotalMilliseconds, _resilience.BaseDelay.TotalMilliseconds * Math.Pow(2, sends - 1));
        if (_resilience.UseJitter) delay *= 0.5 + Random.Shared.NextDouble() / 2;
        return TimeSpan.FromMilliseconds(delay);
    }

    void CountAttempt(ScoreTokensBatchRequest request)
    {
        Interlocked.Increment(ref _attempts);
        foreach (var item in request.Items)
        {
            if (item.Image.SourceCase != ImageRef.SourceOneofCase.Data) continue;
            Interlocked.Increment(ref _uploads);
            Interlocked.Add(ref _bytesSent, item.Image.Data.Length);
        }
    }
}
