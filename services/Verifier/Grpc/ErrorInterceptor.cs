using FiSAO.Verifier.Hosting;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace FiSAO.Verifier.Grpc;

/// <summary>
/// The gRPC error mapping, in one place for every method: refused input and back-pressure
/// (<see cref="ErrorMapping"/>) become their status with the message; anything unexpected is logged and answered INTERNAL
/// without details. Cancellation and statuses thrown on purpose pass through.
/// </summary>
public sealed class ErrorInterceptor(ILogger<ErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request,
        ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try { return await continuation(request, context); }
        catch (Exception e) when (Map(e, context) is { } mapped) { throw mapped; }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try { await continuation(requestStream, responseStream, context); }
        catch (Exception e) when (Map(e, context) is { } mapped) { throw mapped; }
    }

    /// <summary>The status to answer, or null to let the exception pass unchanged.</summary>
    RpcException? Map(Exception e, ServerCallContext context)
    {
        if (e is RpcException or OperationCanceledException) return null;
        if (ErrorMapping.TryMap(e, out var error)) return new RpcException(new Status(error.Code, error.Message));
        logger.LogError(e, "Unexpected verifier failure in {Method}", context.Method);
        return new RpcException(new Status(StatusCode.Internal, "The verifier failed internally; see its log."));
    }
}
