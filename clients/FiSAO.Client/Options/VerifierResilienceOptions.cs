using System.ComponentModel.DataAnnotations;

namespace FiSAO.Client;

/// <summary>
/// The Polly pipeline around every call: overall timeout, then retries with jittered exponential backoff, then a
/// circuit breaker, then the attempt itself with a gRPC deadline. Scoring is a pure function of its input, so
/// repeating a call is always safe.
/// </summary>
public sealed class VerifierResilienceOptions
{
    /// <summary>Attempts per call, the first included (1 = no retries). Default 6.</summary>
    [Range(1, 1000)]
    public int MaxAttempts { get; set; } = 6;

    /// <summary>Wait before the first retry; later waits double (with jitter) up to <see cref="MaxDelay"/>. Default 200 ms.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest wait between attempts. Default 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Randomise waits (decorrelated jitter) so callers that failed together do not retry together. Default true.</summary>
    public bool UseJitter { get; set; } = true;

    /// <summary>Deadline of one attempt, sent to the verifier as the gRPC deadline (it then skips work nobody waits
    /// for). Generous by default, 60 s: a batch of uncached images on a CPU replica takes seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Limit of one call with all its attempts and waits. Default 5 min: long enough to ride out a replica
    /// restart (a large CLIP loads in tens of seconds), short enough that a trainer is told.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromMinutes(5);

    public VerifierCircuitBreakerOptions CircuitBreaker { get; set; } = new();
}

/// <summary>
/// Stops calling when most recent attempts found no replica (UNAVAILABLE, DEADLINE_EXCEEDED, broken connections), so
/// a down service is not hammered; after <see cref="BreakDuration"/> one trial call decides. RESOURCE_EXHAUSTED
/// (a busy queue, a too-large message) does not count: the service is up, backoff is the cure.
/// </summary>
public sealed class VerifierCircuitBreakerOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Share of failed attempts within <see cref="SamplingDuration"/> that opens the circuit. Default 0.5.</summary>
    [Range(0.01, 1.0)]
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>Attempts within <see cref="SamplingDuration"/> before the ratio counts. Default 10.</summary>
    [Range(2, int.MaxValue)]
    public int MinimumThroughput { get; set; } = 10;

    /// <summary>Window of the failure ratio. Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "1.00:00:00")]
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the circuit stays open before a trial call. Default 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "1.00:00:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);
}
