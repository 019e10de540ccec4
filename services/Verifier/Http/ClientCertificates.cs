using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using FiSAO.Verifier.Hosting;

namespace FiSAO.Verifier.Http;

/// <summary>
/// Mutual TLS on top of Kestrel's standard HTTPS configuration (<c>Kestrel:Endpoints:{name}:Certificate:Path</c> /
/// <c>KeyPath</c>, PEM or PFX; <c>Kestrel:Endpoints:{name}:ClientCertificateMode</c>). Kestrel checks client certificates
/// against the machine's trust store; <see cref="VerifierOptions.ClientCaPath"/> names the CA (PEM) that issued the
/// clients' certificates instead, so a private CA needs no change to the system's store. Set it and every TLS endpoint
/// requires a client certificate that chains to that CA.
/// </summary>
public static class ClientCertificates
{
    public static void Configure(HttpsConnectionAdapterOptions https, string caPath)
    {
        X509Certificate2Collection authorities;
        try
        {
            authorities = new X509Certificate2Collection();
            authorities.ImportFromPemFile(caPath);
        }
        catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
        {
            throw new VerifierStartupException($"Cannot read the client CA file '{caPath}' (Verifier:ClientCaPath): {e.Message}", e);
        }
        if (authorities.Count == 0)
            throw new VerifierStartupException($"The client CA file '{caPath}' (Verifier:ClientCaPath) holds no PEM certificate.");
        https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
        https.ClientCertificateValidation = (certificate, _, _) => ChainsTo(certificate, authorities);
    }

    /// <summary>True when <paramref name="certificate"/> chains to one of <paramref name="authorities"/> (and is valid now).</summary>
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
