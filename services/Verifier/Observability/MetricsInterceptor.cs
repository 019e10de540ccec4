using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace FiSAO.Verifier.Observability;

/// <summary>Counts gRPC calls by method and status code and times them (HTTP metrics cannot see gRPC status).</summary>
public sealed class MetricsInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request,
        ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var start = Stopwatch.GetTimestamp();
        var code = StatusCode.OK;
        try { return await continuation(request, context); }
        catch (RpcException e) { code = e.StatusCode; throw; }
        catch (OperationCanceledException) { code = StatusCode.Cancelled; throw; }
        catch { code = StatusCode.Internal; throw; }
        finally { Record(context.Method, code, start); }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var start = Stopwatch.GetTimestamp();
        var code = StatusCode.OK;
        try { await continuation(requestStream, responseStream, context); }
        catch (RpcException e) { code = e.StatusCode; throw; }
        catch (OperationCanceledException) { code = StatusCode.Cancelled; throw; }
        catch { code = StatusCode.Internal; throw; }
        finally { Record(context.Method, code, start); }
    }

    static void Record(string method, StatusCode code, long start)
    {
        var name = method[(method.LastIndexOf('/') + 1)..];
        VerifierMetrics.Requests.WithLabels(name, code.ToString()).Inc();
        VerifierMetrics.Latency.WithLabels(name).Observe(Stopwatch.GetElapsedTime(start).TotalSeconds);
    }
}
