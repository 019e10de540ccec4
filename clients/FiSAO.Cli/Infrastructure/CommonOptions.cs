using System.CommandLine;
using FiSAO.Client;

namespace FiSAO.Cli;

/// <summary>Options every command takes: where the verifier is, its API and admin keys, a pinned calibration, and how long to wait.</summary>
internal sealed class CommonOptions
{
    public const string DefaultServer = "http://127.0.0.1:5000";

    public Option<string[]> Server { get; } = new("--server")
    {
        Description = "Verifier address: http://host:port (repeat for several replicas) or dns:///host:port; $FISAO_SERVER sets the default",
        HelpName = "URL",
        Recursive = true,
        DefaultValueFactory = _ => [Environment.GetEnvironmentVariable("FISAO_SERVER") is { Length: > 0 } server ? server : DefaultServer],
    };

    public Option<string?> ApiKey { get; } = new("--api-key")
    {
        // No default value: help would print it. $FISAO_API_KEY is read when the option is absent.
        Description = "API key of the verifier (sent as x-api-key); $FISAO_API_KEY is used when absent",
        HelpName = "KEY",
        Recursive = true,
    };

    public Option<string?> AdminKey { get; } = new("--admin-key")
    {
        Description = "Admin key of the verifier (sent as x-admin-key), needed by calibrate --apply when the verifier has one; " +
                      "$FISAO_ADMIN_KEY is used when absent",
        HelpName = "KEY",
        Recursive = true,
    };

    public Option<string?> CalibrationId { get; } = new("--calibration-id")
    {
        Description = "Score with this calibration (an id from info, calibrate or a score answer) instead of the active one",
        HelpName = "ID",
        Recursive = true,
    };

    public Option<FileInfo?> CaFile { get; } = new("--ca-file")
    {
        Description = "TLS (https:// addresses): CA certificate (PEM) that issued the verifier's certificate, instead of the system's store",
        HelpName = "FILE.pem",
        Recursive = true,
    };

    public Option<FileInfo?> ClientCert { get; } = new("--client-cert")
    {
        Description = "Mutual TLS: this client's certificate (PEM), for a verifier that requires one",
        HelpName = "FILE.pem",
        Recursive = true,
    };

    public Option<FileInfo?> ClientKey { get; } = new("--client-key")
    {
        Description = "Mutual TLS: the private key (PEM) of --client-cert, unless that file holds it",
        HelpName = "FILE.pem",
        Recursive = true,
    };

    public Option<double> Timeout { get; } = new("--timeout")
    {
        Description = "Seconds one call may take, retries included",
        HelpName = "SECONDS",
        Recursive = true,
        DefaultValueFactory = _ => 30,
    };

    public void AddTo(Command root)
    {
        Timeout.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is <= 0 or > 86_400) result.AddError("--timeout must be between 0 and 86400 seconds.");
        });
        root.Options.Add(Server);
        root.Options.Add(ApiKey);
        root.Options.Add(AdminKey);
        root.Options.Add(CalibrationId);
        root.Options.Add(CaFile);
        root.Options.Add(ClientCert);
        root.Options.Add(ClientKey);
        root.Options.Add(Timeout);
    }

    /// <summary>Client settings for a command-line run: few attempts (a person is waiting), no circuit breaker (one
    /// process, a handful of calls).</summary>
    public FiSAOClientOptions ClientOptions(ParseResult parse, int maxAttempts = 3)
    {
        var total = TimeSpan.FromSeconds(parse.GetValue(Timeout));
        return new FiSAOClientOptions
        {
            Addresses = [.. parse.GetValue(Server) ?? []],
            ApiKey = parse.GetValue(ApiKey) ?? (Environment.GetEnvironmentVariable("FISAO_API_KEY") is { Length: > 0 } key ? key : null),
            AdminApiKey = parse.GetValue(AdminKey) ?? (Environment.GetEnvironmentVariable("FISAO_ADMIN_KEY") is { Length: > 0 } admin ? admin : null),
            CalibrationId = parse.GetValue(CalibrationId),
            CaCertificatePath = parse.GetValue(CaFile)?.FullName,
            ClientCertificatePath = parse.GetValue(ClientCert)?.FullName,
            ClientKeyPath = parse.GetValue(ClientKey)?.FullName,
            ConnectTimeout = TimeSpan.FromSeconds(Math.Min(5, total.TotalSeconds)),
            Resilience = new VerifierResilienceOptions
            {
                MaxAttempts = maxAttempts,
                BaseDelay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(2),
                AttemptTimeout = total,
                TotalTimeout = total,
                CircuitBreaker = new VerifierCircuitBreakerOptions { Enabled = false },
            },
        };
    }

    public string Describe(ParseResult parse) => string.Join(", ", parse.GetValue(Server) ?? []);
}
