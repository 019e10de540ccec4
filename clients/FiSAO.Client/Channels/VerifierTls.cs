using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace FiSAO.Client;

/// <summary>TLS settings of the channel: a private CA to trust and an optional client certificate (mutual TLS).</summary>
public static class VerifierTls
{
    public static SslClientAuthenticationOptions ClientOptions(FiSAOClientOptions options)
    {
        var ssl = new SslClientAuthenticationOptions();
        if (!string.IsNullOrWhiteSpace(options.CaCertificatePath))
        {
            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPemFile(options.CaCertificatePath);
            if (authorities.Count == 0)
                throw new InvalidOperationException($"The CA file '{options.CaCertificatePath}' (CaCertificatePath) holds no PEM certificate.");
            ssl.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                // The host name must still match; only the trust anchor is replaced.
                if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch)) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(certificate));
            };
        }
        if (!string.IsNullOrWhiteSpace(options.ClientCertificatePath))
        {
            var certificate = X509Certificate2.CreateFromPemFile(options.ClientCertificatePath,
                string.IsNullOrWhiteSpace(options.ClientKeyPath) ? null : options.ClientKeyPath);
            // An ephemeral key from PEM cannot be used by SslStream on every platform; a PKCS#12 round trip makes it usable.
            ssl.ClientCertificates = [X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null)];
        }
        return ssl;
    }
}
