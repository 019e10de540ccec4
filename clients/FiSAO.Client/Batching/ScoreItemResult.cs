using FiSAO.Verifier.V1;
using Grpc.Core;

namespace FiSAO.Client;

/// <summary>The verifier refused one item (e.g. INVALID_ARGUMENT for an undecodable image or an empty token list).</summary>
public sealed record ItemFailure(StatusCode Code, string Message);

/// <summary>The outcome of item <see cref="Index"/> of a batch: its <see cref="Response"/>, or its <see cref="Failure"/>.</summary>
public sealed record ScoreItemResult
{
    ScoreItemResult(int index, ScoreTokensResponse? response, ItemFailure? failure)
    {
        Index = index;
        Response = response;
        Failure = failure;
    }

    public int Index { get; }
    public ScoreTokensResponse? Response { get; }
    public ItemFailure? Failure { get; }
    public bool IsSuccess => Response is not null;

    public static ScoreItemResult Success(int index, ScoreTokensResponse response) => new(index, response, null);
    public static ScoreItemResult Failed(int index, ItemFailure failure) => new(index, null, failure);
}

/// <summary>What a batch cost: calls, attempts, uploads and re-sends.</summary>
/// <param name="Items">Items in the batch.</param>
/// <param name="DistinctImages">Distinct images (by content hash).</param>
/// <param name="Calls">ScoreTokensBatch calls (each may take several attempts).</param>
/// <param name="Attempts">ScoreTokensBatch attempts, retries of whole calls included.</param>
/// <param name="ImageUploads">Items sent with image bytes, over all attempts (the rest went by image id).</param>
/// <param name="ImageBytesSent">Image bytes in those uploads.</param>
/// <param name="NotFoundResends">Items sent by id that the replica did not hold (NOT_FOUND) and were sent again: per
/// image one with the bytes, the others by id once those were accepted.</param>
/// <param name="ItemRetries">Items sent again after a retryable per-item error (RESOURCE_EXHAUSTED: queue full).</param>
public sealed record BatchStatistics(int Items, int DistinctImages, int Calls, int Attempts, int ImageUploads,
    long ImageBytesSent, int NotFoundResends, int ItemRetries);

/// <summary>The results of a batch in input order (result <c>i</c> is item <c>i</c>), with its statistics.</summary>
public sealed class ScoreBatchResult(IReadOnlyList<ScoreItemResult> results, BatchStatistics statistics) : IReadOnlyList<ScoreItemResult>
{
    public BatchStatistics Statistics { get; } = statistics;
    public ScoreItemResult this[int index] => results[index];
    public int Count => results.Count;
    public IEnumerator<ScoreItemResult> GetEnumerator() => results.GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
