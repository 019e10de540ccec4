using System.ComponentModel.DataAnnotations;

namespace FiSAO.Client;

/// <summary>
/// Settings of <see cref="FiSAOVerifierClient"/>, usually bound from configuration (section
/// <see cref="DefaultSection"/>, e.g. <c>FiSAO__Verifier__Addresses__0=http://verifier-0:5000</c>). Every setting has
/// a default but <see cref="Addresses"/>; <see cref="FiSAOClientOptionsValidator"/> checks them all.
/// </summary>
public sealed class FiSAOClientOptions
{
    public const string DefaultSection = "FiSAO:Verifier";

    /// <summary>
    /// The verifier replicas: one or more <c>http://host:port</c> addresses (cleartext HTTP/2, balanced round-robin),
    /// one <c>https://host:port</c> address, or one <c>dns:///host:port</c> name whose A/AAAA records are the replicas
    /// (re-resolved every <see cref="DnsRefreshInterval"/>; <see cref="UseTls"/> picks the scheme).
    /// </summary>
    public List<string> Addresses { get; set; } = [];

    /// <summary>Sent as <c>x-api-key</c> on every call when set (the verifier's <c>--api-key</c>).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Sent as <c>x-admin-key</c> on every call when set: the verifier's <c>Verifier:AdminApiKey</c>, needed to
    /// apply a calibration (which every replica then serves).</summary>
    public string? AdminApiKey { get; set; }

    /// <summary>When set, <see cref="FiSAOVerifierClient.ScoreAsync"/> and <see cref="FiSAOVerifierClient.ScoreBatchAsync"/>
    /// pin this calibration id (every answer names the one it used): rewards stay on one calibration for a whole run even
    /// if someone applies another. An id no replica stored fails with NOT_FOUND.</summary>
    public string? CalibrationId { get; set; }

    /// <summary>For a <c>dns:///</c> address: TLS (true) or cleartext HTTP/2 (false, default).</summary>
    public bool UseTls { get; set; }

    /// <summary>TLS: the CA certificate (PEM) that issued the verifier's certificate, trusted instead of the system's
    /// store (a private CA). Empty: the system's trust store.</summary>
    public string? CaCertificatePath { get; set; }

    /// <summary>Mutual TLS: this client's certificate (PEM; with <see cref="ClientKeyPath"/>, or a PEM holding both),
    /// presented when the verifier requires one (<c>Verifier:ClientCaPath</c>).</summary>
    public string? ClientCertificatePath { get; set; }

    /// <summary>The private key (PEM) of <see cref="ClientCertificatePath"/>; empty when that file holds the key too.</summary>
    public string? ClientKeyPath { get; set; }

    /// <summary>How often a <c>dns:///</c> name is resolved again, so replicas added or removed are picked up. Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan DnsRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest response accepted. gRPC's default is 4 MB; a full batch answer (1,024 items with rewards and
    /// mentions) is larger, and the verifier itself never sends more than its 64 MiB message limit. Default 64 MiB.</summary>
    [Range(4 * 1024 * 1024, int.MaxValue)]
    public int MaxReceiveMessageBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>TCP connect timeout per replica. Default 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>First wait before reconnecting to a replica that went away; doubles up to
    /// <see cref="MaxReconnectBackoff"/>. Defaults 1 s and 10 s (gRPC's own 120 s maximum would leave a restarted
    /// replica unused for minutes).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan InitialReconnectBackoff { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan MaxReconnectBackoff { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>HTTP/2 keep-alive ping interval on idle connections, which detects a replica that vanished without
    /// closing its connections (host lost, network partition). Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a keep-alive ping may stay unanswered before the connection is dropped. Default 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public VerifierResilienceOptions Resilience { get; set; } = new();

    public VerifierBatchOptions Batch { get; set; } = new();
}
