namespace FiSAO.Client.Tests.Support;

/// <summary>Client options for tests: the documented defaults with waits shortened, so failure paths take
/// milliseconds rather than seconds.</summary>
public static class TestClients
{
    public static FiSAOClientOptions Options(params string[] addresses) => new()
    {
        Addresses = [.. addresses],
        InitialReconnectBackoff = TimeSpan.FromMilliseconds(50),
        MaxReconnectBackoff = TimeSpan.FromMilliseconds(250),
        Resilience = new VerifierResilienceOptions
        {
            MaxAttempts = 5,
            BaseDelay = TimeSpan.FromMilliseconds(20),
            MaxDelay = TimeSpan.FromMilliseconds(200),
            AttemptTimeout = TimeSpan.FromSeconds(30),
            TotalTimeout = TimeSpan.FromSeconds(60),
            CircuitBreaker = new VerifierCircuitBreakerOptions { BreakDuration = TimeSpan.FromMilliseconds(500) },
        },
    };

    public static FiSAOVerifierClient Create(params string[] addresses) => new(Options(addresses));
}
