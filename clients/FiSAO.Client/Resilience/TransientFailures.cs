using System.Net.Http;
using Grpc.Core;

namespace FiSAO.Client;

/// <summary>Which failures are worth another attempt and which say the service is down.</summary>
public static class TransientFailures
{
    /// <summary>
    /// UNAVAILABLE (no replica, connection refused or reset), RESOURCE_EXHAUSTED (the verifier's encoding queue is
    /// full), DEADLINE_EXCEEDED (the attempt's deadline passed), and a connection that broke mid-call (the client
    /// reports INTERNAL with the transport exception attached; an INTERNAL the server sent has none). Never
    /// INVALID_ARGUMENT and the like: the same input gets the same refusal.
    /// </summary>
    public static bool IsRetryable(RpcException exception) =>
        exception.StatusCode is StatusCode.Unavailable or StatusCode.ResourceExhausted or StatusCode.DeadlineExceeded
        || IsBrokenConnection(exception);

    /// <summary>Failures that count against the circuit breaker: signs that replicas are down or hanging. A full queue
    /// (RESOURCE_EXHAUSTED) means the service is alive and busy: it is retried but does not open the circuit.</summary>
    public static bool IndicatesOutage(RpcException exception) =>
        exception.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded || IsBrokenConnection(exception);

    /// <summary>Per-item failures inside a batch answer that are worth sending the item again.</summary>
    public static bool IsRetryable(StatusCode itemCode) =>
        itemCode is StatusCode.ResourceExhausted or StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Aborted;

    static bool IsBrokenConnection(RpcException exception) =>
        exception.StatusCode is StatusCode.Internal or StatusCode.Unknown or StatusCode.Cancelled
        && exception.Status.DebugException is HttpRequestException or IOException or HttpProtocolException;
}
