using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FiSAO.Client.Testing;

/// <summary>
/// A private CA with a server certificate (for 127.0.0.1 and localhost) and a client certificate, made in the test
/// process and written as PEM files, plus a second CA's client certificate that the verifier must refuse.
/// </summary>
public sealed class TestCertificates
{
    public required string Directory { get; init; }
    public string CaPath => Path.Combine(Directory, "ca.pem");
    public string ServerCertPath => Path.Combine(Directory, "server.pem");
    public string ServerKeyPath => Path.Combine(Directory, "server.key");
    public string ClientCertPath => Path.Combine(Directory, "client.pem");
    public string ClientKeyPath => Path.Combine(Directory, "client.key");
    public string StrangerCertPath => Path.Combine(Directory, "stranger.pem");
    public string StrangerKeyPath => Path.Combine(Directory, "stranger.key");

    public static TestCertificates Create(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        var made = new TestCertificates { Directory = directory };
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = Authority("CN=FiSAO test CA", caKey);
        File.WriteAllText(made.CaPath, ca.ExportCertificatePem());

        var server = new SubjectAlternativeNameBuilder();
        server.AddIpAddress(IPAddress.Loopback);
        server.AddDnsName("localhost");
        Issue(ca, caKey, "CN=fisao-verifier", server.Build(), "1.3.6.1.5.5.7.3.1", made.ServerCertPath, made.ServerKeyPath);
        Issue(ca, caKey, "CN=fisao-trainer", null, "1.3.6.1.5.5.7.3.2", made.ClientCertPath, made.ClientKeyPath);

        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = Authority("CN=Another CA", otherKey);
        Issue(other, otherKey, "CN=stranger", null, "1.3.6.1.5.5.7.3.2", made.StrangerCertPath, made.StrangerKeyPath);
        return made;
    }

    static X509Certificate2 Authority(string subject, ECDsa key)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    static void Issue(X509Certificate2 ca, ECDsa caKey, string subject, X509Extension? names, string usage, string certPath, string keyPath)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (names is not null) request.CertificateExtensions.Add(names);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var issued = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey),
            DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), serial);
        File.WriteAllText(certPath, issued.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
    }
}
