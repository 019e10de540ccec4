using System.Buffers;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace FiSAO.Verifier.Http;

/// <summary>
/// Serves gRPC (HTTP/2 with prior knowledge, "h2c") and REST/Swagger (HTTP/1.1) on the same cleartext port.
/// Kestrel speaks only HTTP/1.1 on cleartext Http1AndHttp2 endpoints because it has no ALPN to choose by. This
/// connection middleware peeks at the first bytes: a connection that opens with the HTTP/2 client preface is
/// given an ALPN result of "h2", so Kestrel picks HTTP/2 for it; every other connection is left alone. Nothing
/// is consumed from the stream. <see cref="KestrelServerOptions.AllowAlternateSchemes"/> lets those requests
/// keep their "http" scheme. TLS endpoints keep real ALPN.
/// </summary>
public static class CleartextHttp2
{
    static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    public static void Enable(KestrelServerOptions kestrel)
    {
        kestrel.AllowAlternateSchemes = true;
        kestrel.ConfigureEndpointDefaults(endpoint =>
        {
            endpoint.Protocols = HttpProtocols.Http1AndHttp2;
            endpoint.Use(next => connection => SniffAsync(connection, next));
        });
    }

    static async Task SniffAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        bool h2;
        try { h2 = connection.Features.Get<ITlsConnectionFeature>() is null && await StartsWithPrefaceAsync(connection); }
        catch (Exception e) when (e is ConnectionResetException or IOException
                                   || (e is OperationCanceledException && connection.ConnectionClosed.IsCancellationRequested))
        {
            return;   // the client went away (closed or reset) before its first bytes: nothing to serve, nothing to log
        }
        if (h2)
        {
            var alpn = new PriorKnowledgeH2();
            connection.Features.Set<ITlsConnectionFeature>(alpn);
            connection.Features.Set<ITlsApplicationProtocolFeature>(alpn);
        }
        await next(connection);
    }

    static async Task<bool> StartsWithPrefaceAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var head = new byte[Preface.Length];
        while (true)
        {
            var result = await input.ReadAsync(connection.ConnectionClosed);
            var buffer = result.Buffer;
            var n = (int)Math.Min(buffer.Length, Preface.Length);
            buffer.Slice(0, n).CopyTo(head);
            var matches = head.AsSpan(0, n).SequenceEqual(Preface.AsSpan(0, n));
            if (!matches || n == Preface.Length || result.IsCompleted || result.IsCanceled)
            {
                input.AdvanceTo(buffer.Start);                 // consumed nothing, examined nothing
                return matches && n == Preface.Length;
            }
            input.AdvanceTo(buffer.Start, buffer.End);         // a prefix of the preface: wait for more bytes
        }
    }

    sealed class PriorKnowledgeH2 : ITlsConnectionFeature, ITlsApplicationProtocolFeature
    {
        public X509Certificate2? ClientCertificate { get; set; }
        public Task<X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) => Task.FromResult<X509Certificate2?>(null);
        public ReadOnlyMemory<byte> ApplicationProtocol => "h2"u8.ToArray();
    }
}
