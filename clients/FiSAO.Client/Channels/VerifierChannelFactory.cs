using System.Net.Http;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FiSAO.Client;

/// <summary>
/// Builds the one long-lived <see cref="GrpcChannel"/> of a client: client-side round-robin over the replicas (a
/// static list or a periodically re-resolved DNS name), HTTP/2 without TLS for http addresses (the verifier speaks
/// HTTP/2 prior knowledge there), gRPC's own retries off (the Polly pipeline retries, without gRPC's 1 MB buffer cap).
/// </summary>
internal static class VerifierChannelFactory
{
    public static GrpcChannel Create(FiSAOClientOptions options, VerifierEndpoints endpoints, ILoggerFactory loggerFactory)
    {
        var resolvers = new ServiceCollection();
        resolvers.AddSingleton(loggerFactory);
        resolvers.AddSingleton<ResolverFactory>(new DnsResolverFactory(options.DnsRefreshInterval));
        if (endpoints.IsStatic)
        {
            var addresses = endpoints.StaticAddresses.Select(e => new BalancerAddress(e.Host, e.Port)).ToArray();
            resolvers.AddSingleton<ResolverFactory>(new StaticResolverFactory(_ => addresses));
        }

        var handler = new SocketsHttpHandler
        {
            // Many calls in flight to one replica must not queue behind HTTP/2's stream limit of one connection.
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            ConnectTimeout = options.ConnectTimeout,
        };
        if (endpoints.UseTls) handler.SslOptions = VerifierTls.ClientOptions(options);

        return GrpcChannel.ForAddress(endpoints.ChannelAddress, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            Credentials = endpoints.UseTls ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure,
            ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new RoundRobinConfig() } },
            ServiceProvider = resolvers.BuildServiceProvider(),
            LoggerFactory = loggerFactory,
            MaxReceiveMessageSize = options.MaxReceiveMessageBytes,
            // Requests are sized by the batch helper; the verifier enforces its own limit.
            MaxSendMessageSize = null,
            InitialReconnectBackoff = options.InitialReconnectBackoff,
            MaxReconnectBackoff = options.MaxReconnectBackoff,
            // Off: it would turn an attempt's passed deadline into OperationCanceledException as well, and that one
            // must stay DEADLINE_EXCEEDED to be retried. VerifierCallPipeline maps real cancellation itself.
            ThrowOperationCanceledOnCancellation = false,
        });
    }
}
