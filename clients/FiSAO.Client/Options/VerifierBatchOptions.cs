using System.ComponentModel.DataAnnotations;

namespace FiSAO.Client;

/// <summary>How <see cref="FiSAOVerifierClient.ScoreBatchAsync"/> splits a rollout batch into ScoreTokensBatch calls.</summary>
public sealed class VerifierBatchOptions
{
    /// <summary>Items per call; at most the verifier's <c>Limits:MaxBatchItems</c>. Default 1,024 (its default).</summary>
    [Range(1, 100_000)]
    public int MaxItemsPerCall { get; set; } = 1024;

    /// <summary>Budget of one request message. Default 16 MiB, well under the verifier's 64 MiB: smaller calls spread
    /// over replicas and in-flight slots, and a replica lost mid-call costs less to re-send. An item larger than the
    /// budget travels alone.</summary>
    [Range(1024, int.MaxValue)]
    public int MaxCallBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>ScoreTokensBatch calls in flight per batch. Default 4.</summary>
    [Range(1, 1024)]
    public int MaxConcurrentCalls { get; set; } = 4;

    /// <summary>Image ids this client remembers as held by the verifier (from earlier answers), sent as ids instead of
    /// bytes in later batches; 0 turns that off. Default 4,096, the verifier's image cache size.</summary>
    [Range(0, 10_000_000)]
    public int KnownImageCapacity { get; set; } = 4096;
}
