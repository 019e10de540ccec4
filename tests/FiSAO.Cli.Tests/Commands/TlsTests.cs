using FiSAO.Cli.Tests.Support;
using FiSAO.Client.Testing;

namespace FiSAO.Cli.Tests.Commands;

/// <summary><c>fisao</c> against a verifier with mutual TLS (certificates made here).</summary>
public sealed class TlsTests : IAsyncLifetime
{
    readonly string _root = Directory.CreateTempSubdirectory("fisao-cli-tls-").FullName;
    TestCertificates _certs = null!;
    VerifierProcess _verifier = null!;
    string _https = "";

    public async Task InitializeAsync()
    {
        _certs = TestCertificates.Create(Path.Combine(_root, "certs"));
        int http = FreePort.Next(), tls = FreePort.Next();
        _https = $"https://127.0.0.1:{tls}";
        _verifier = await VerifierProcess.StartAsync(TinyVerifierModel.ModelDirectory, TinyVerifierModel.DataDirectory,
            new Dictionary<string, string>
            {
                ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{http}",
                ["Kestrel:Endpoints:Https:Url"] = _https,
                ["Kestrel:Endpoints:Https:Certificate:Path"] = _certs.ServerCertPath,
                ["Kestrel:Endpoints:Https:Certificate:KeyPath"] = _certs.ServerKeyPath,
                ["Verifier:ClientCaPath"] = _certs.CaPath,
            }, port: http);
    }

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

    public async Task DisposeAsync()
    {
        await _verifier.DisposeAsync();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
