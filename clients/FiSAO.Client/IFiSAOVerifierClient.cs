using FiSAO.Verifier.V1;
using Polly.CircuitBreaker;

namespace FiSAO.Client;

/// <summary>
/// The FiSAO verifier as a .NET service. Every call runs through the resilience pipeline (see
/// <see cref="VerifierResilienceOptions"/>) and throws <see cref="Grpc.Core.RpcException"/> when it fails for good
/// (or <see cref="OperationCanceledException"/> when the caller cancels).
/// </summary>
public interface IFiSAOVerifierClient
{
    /// <summary>State of the circuit breaker shared by all calls of this client.</summary>
    CircuitState CircuitState { get; }

    /// <summary>Scores a rollout batch: each distinct image is uploaded once, items are packed into ScoreTokensBatch
    /// calls, and result <c>i</c> answers item <c>i</c>. Items the verifier refuses come back as failed results.</summary>
    Task<ScoreBatchResult> ScoreBatchAsync(IReadOnlyList<ScoreItem> items, TokenFormat tokenFormat = TokenFormat.Auto,
        CancellationToken cancellationToken = default);

    /// <summary>Scores one image and token list; sends the image by id when this client already delivered it (and its
    /// bytes if the replica does not hold it).</summary>
    Task<ScoreTokensResponse> ScoreAsync(ReadOnlyMemory<byte> image, IReadOnlyList<string> tokens,
        TokenFormat tokenFormat = TokenFormat.Auto, CancellationToken cancellationToken = default);

    /// <summary>The ScoreTokens RPC as it is.</summary>
    Task<ScoreTokensResponse> ScoreTokensAsync(ScoreTokensRequest request, CancellationToken cancellationToken = default);

    /// <summary>The ScoreTokensBatch RPC as it is (no splitting, no re-sending of unknown image ids).</summary>
    Task<ScoreTokensBatchResponse> ScoreTokensBatchAsync(ScoreTokensBatchRequest request, CancellationToken cancellationToken = default);

    /// <summary>Projected, unnormalised CLIP image features.</summary>
    Task<EmbedResponse> EmbedImageAsync(ReadOnlyMemory<byte> image, CancellationToken cancellationToken = default);

    /// <summary>Projected, unnormalised CLIP text features.</summary>
    Task<EmbedResponse> EmbedTextAsync(string text, CancellationToken cancellationToken = default);

    /// <summary>Eq. 7 baselines from samples with ground-truth objects. With <c>apply</c>, the result is stored in the
    /// verifier's shared data directory and every replica serving it switches to it within seconds (the answer's
    /// <c>calibration_id</c>); needs <see cref="FiSAOClientOptions.AdminApiKey"/> when the verifier has an admin key.</summary>
    Task<CalibrateResponse> CalibrateAsync(CalibrateRequest request, CancellationToken cancellationToken = default);

    /// <summary>Model, entity set, calibration, settings and limits of the replica that answers.</summary>
    Task<GetInfoResponse> GetInfoAsync(CancellationToken cancellationToken = default);
}
