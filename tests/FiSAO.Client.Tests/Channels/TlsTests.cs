using System.Net;
using FiSAO.Client.Testing;
using FiSAO.Verifier.Tests.Support;
using FiSAO.Verifier.V1;
using Grpc.Core;

namespace FiSAO.Client.Tests.Channels;

/// <summary>
/// TLS and mutual TLS over real sockets: a verifier process with a TLS endpoint from standard Kestrel configuration
/// (certificate and key as PEM files) that requires client certificates from a private CA, all made by the test.
/// </summary>
public sealed class TlsTests : IAsyncLifetime
{
    MutualTlsVerifier _tls = null!;
    TestCertificates _certs => _tls.Certificates;
    string _https => _tls.HttpsAddress;

    public async Task InitializeAsync() =>
        _tls = await MutualTlsVerifier.StartAsync(TinyVerifierModel.ModelDirectory, TinyVerifierModel.DataDirectory);

    [Fact]
    public async Task A_client_with_the_ca_and_its_certificate_scores_over_grpc_and_rest()
    {
        using var client = new FiSAOVerifierClient(new FiSAOClientOptions
        {
            Addresses = [_https], CaCertificatePath = _certs.CaPath,
            ClientCertificatePath = _certs.ClientCertPath, ClientKeyPath = _certs.ClientKeyPath,
        });
        var scored = await client.ScoreAsync(TestImages.Png(11), ["A", " dog", "."], TokenFormat.Plain);
        Assert.Equal(3, scored.Rewards.Count);
        Assert.Equal("dog", scored.Mentions.Single().Entity);

        using var http = new HttpClient(RestHandler(_certs.ClientCertPath, _certs.ClientKeyPath)) { BaseAddress = new Uri(_https) };
        using var info = await http.GetAsync("/v1/info");
        Assert.Equal(HttpStatusCode.OK, info.StatusCode);
        Assert.Contains("\"model_id\"", await info.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_client_without_a_certificate_or_with_one_from_another_ca_is_refused()
    {
        foreach (var (cert, key) in new (string?, string?)[] { (null, null), (_certs.StrangerCertPath, _certs.StrangerKeyPath) })
        {
            using var client = new FiSAOVerifierClient(new FiSAOClientOptions
            {
                Addresses = [_https], CaCertificatePath = _certs.CaPath, ClientCertificatePath = cert, ClientKeyPath = key,
                Resilience = new VerifierResilienceOptions { MaxAttempts = 1, CircuitBreaker = new VerifierCircuitBreakerOptions { Enabled = false } },
            });
            var refused = await Assert.ThrowsAsync<RpcException>(() => client.GetInfoAsync());
            Assert.Equal(StatusCode.Unavailable, refused.StatusCode);

            using var http = new HttpClient(RestHandler(cert, key)) { BaseAddress = new Uri(_https) };
            await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/v1/info"));
        }
    }

    [Fact]
    public async Task A_client_that_does_not_trust_the_servers_ca_refuses_it()
    {
        using var client = new FiSAOVerifierClient(new FiSAOClientOptions
        {
            Addresses = [_https], ClientCertificatePath = _certs.ClientCertPath, ClientKeyPath = _certs.ClientKeyPath,
            Resilience = new VerifierResilienceOptions { MaxAttempts = 1, CircuitBreaker = new VerifierCircuitBreakerOptions { Enabled = false } },
        });
        var refused = await Assert.ThrowsAsync<RpcException>(() => client.GetInfoAsync());
        // Grpc.Net.Client reports a failed handshake as INTERNAL ("Error starting gRPC call") with the TLS error inside.
        Assert.Contains(refused.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal });
        Assert.Contains("SSL connection could not be established", refused.Status.Detail + refused.Status.DebugException);
    }

    /// <summary>REST through HttpClient: the test CA as the only trust anchor, and the client certificate if given.</summary>
    HttpMessageHandler RestHandler(string? cert, string? key)
    {
        var handler = new SocketsHttpHandler { SslOptions = VerifierTls.ClientOptions(new FiSAOClientOptions
        {
            Addresses = [_https], CaCertificatePath = _certs.CaPath, ClientCertificatePath = cert, ClientKeyPath = key,
        }) };
        return handler;
    }

    public async Task DisposeAsync() => await _tls.DisposeAsync();
}
