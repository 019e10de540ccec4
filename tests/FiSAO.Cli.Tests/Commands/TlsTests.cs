using FiSAO.Cli.Tests.Support;
using FiSAO.Client.Testing;

namespace FiSAO.Cli.Tests.Commands;

/// <summary><c>fisao</c> against a verifier with mutual TLS (certificates made here).</summary>
public sealed class TlsTests : IAsyncLifetime
{
    MutualTlsVerifier _tls = null!;
    TestCertificates _certs => _tls.Certificates;
    string _https => _tls.HttpsAddress;

    public async Task InitializeAsync() =>
        _tls = await MutualTlsVerifier.StartAsync(TinyVerifierModel.ModelDirectory, TinyVerifierModel.DataDirectory);

    [Fact]
    public async Task Info_over_mutual_tls_works_with_the_ca_and_a_client_certificate_and_is_refused_without_one()
    {
        var ok = await Fisao.RunAsync("info", "--server", _https, "--ca-file", _certs.CaPath,
            "--client-cert", _certs.ClientCertPath, "--client-key", _certs.ClientKeyPath);
        Assert.True(ok.ExitCode == ExitCodes.Ok, ok.ToString());
        Assert.Contains("tiny-clip@", ok.Out);

        var refused = await Fisao.RunAsync("info", "--server", _https, "--ca-file", _certs.CaPath, "--timeout", "10");
        // The TLS handshake fails (no client certificate): the CLI reports the failed call, no answer is printed.
        Assert.True(refused.ExitCode != ExitCodes.Ok, refused.ToString());
        Assert.StartsWith("fisao: info:", refused.Error);
        Assert.DoesNotContain("tiny-clip@", refused.Out);
    }

    public async Task DisposeAsync() => await _tls.DisposeAsync();
}
