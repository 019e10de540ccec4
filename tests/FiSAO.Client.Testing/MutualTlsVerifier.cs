namespace FiSAO.Client.Testing;

/// <summary>
/// A verifier process with a TLS endpoint from standard Kestrel configuration (certificate and key as PEM files) that
/// requires client certificates from a private CA (<c>Verifier:ClientCaPath</c>), all made here; plus a plain HTTP
/// endpoint for the readiness probe. Deletes its certificates when disposed.
/// </summary>
public sealed class MutualTlsVerifier : IAsyncDisposable
{
    readonly string _root;

    MutualTlsVerifier(string root, TestCertificates certificates, VerifierProcess process, string httpsAddress) =>
        (_root, Certificates, Process, HttpsAddress) = (root, certificates, process, httpsAddress);

    public TestCertificates Certificates { get; }
    public VerifierProcess Process { get; }
    public string HttpsAddress { get; }

    public static async Task<MutualTlsVerifier> StartAsync(string modelDirectory, string dataDirectory)
    {
        var root = Directory.CreateTempSubdirectory("fisao-tls-").FullName;
        var certs = TestCertificates.Create(Path.Combine(root, "certs"));
        int http = FreePort.Next(), tls = FreePort.Next();
        var https = $"https://127.0.0.1:{tls}";
        var process = await VerifierProcess.StartAsync(modelDirectory, dataDirectory,
            new Dictionary<string, string>
            {
                ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{http}",
                ["Kestrel:Endpoints:Https:Url"] = https,
                ["Kestrel:Endpoints:Https:Certificate:Path"] = certs.ServerCertPath,
                ["Kestrel:Endpoints:Https:Certificate:KeyPath"] = certs.ServerKeyPath,
                ["Verifier:ClientCaPath"] = certs.CaPath,
            }, port: http);
        // The readiness probe answers on the plain endpoint; Kestrel binds the TLS one after it, so on a loaded machine a
        // client could reach the TLS port before it listens (a refused TCP connect, not the TLS answer under test).
        await WaitForListener(tls, TimeSpan.FromSeconds(30));
        return new MutualTlsVerifier(root, certs, process, https);
    }

    static async Task WaitForListener(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var socket = new System.Net.Sockets.TcpClient();
                await socket.ConnectAsync(System.Net.IPAddress.Loopback, port);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
