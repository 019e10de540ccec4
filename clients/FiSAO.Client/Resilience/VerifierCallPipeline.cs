using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Telemetry;
using Polly.Timeout;

namespace FiSAO.Client;

/// <summary>
/// Runs one verifier call through the Polly pipeline: overall timeout → retry (jittered exponential backoff) →
/// circuit breaker → the attempt, whose gRPC deadline is <see cref="VerifierResilienceOptions.AttemptTimeout"/>.
/// Callers see <see cref="RpcException"/> only: an open circuit becomes UNAVAILABLE and the overall timeout
/// DEADLINE_EXCEEDED, each with the Polly exception as <see cref="Status.DebugException"/>.
/// </summary>
internal sealed class VerifierCallPipeline
{
    readonly ResiliencePipeline _pipeline;
    readonly CircuitBreakerStateProvider _circuit = new();
    readonly TimeSpan _attemptTimeout;
    readonly bool _breakerEnabled;

    public VerifierCallPipeline(VerifierResilienceOptions options, ILoggerFactory loggerFactory)
    {
        _attemptTimeout = options.AttemptTimeout;
        _breakerEnabled = options.CircuitBreaker.Enabled;
        var builder = new ResiliencePipelineBuilder { Name = "fisao-verifier" };
        builder.AddTimeout(new TimeoutStrategyOptions { Name = "total-timeout", Timeout = options.TotalTimeout });
        if (options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                Name = "retry",
                // An open circuit is retried too: the wait lets it reach half-open, within the attempt budget.
                ShouldHandle = new PredicateBuilder().Handle<RpcException>(TransientFailures.IsRetryable).Handle<BrokenCircuitException>(),
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = options.UseJitter,
                Delay = options.BaseDelay,
                MaxDelay = options.MaxDelay,
                // An open circuit is waited out (its remaining break, plus a little jitter so waiting calls do not all
                // arrive at once) rather than retried on the backoff schedule, which would spend the attempts while the
                // circuit is open and fail calls just before a recovered replica could take them.
                DelayGenerator = static args => new ValueTask<TimeSpan?>(args.Outcome.Exception is BrokenCircuitException { RetryAfter: { } open }
                    ? open + TimeSpan.FromMilliseconds(Random.Shared.Next(1, 50))
                    : null),
            });
        }
        if (options.CircuitBreaker.Enabled)
        {
            var breaker = options.CircuitBreaker;
            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                Name = "circuit-breaker",
                ShouldHandle = new PredicateBuilder().Handle<RpcException>(TransientFailures.IndicatesOutage),
                FailureRatio = breaker.FailureRatio,
                MinimumThroughput = breaker.MinimumThroughput,
                SamplingDuration = breaker.SamplingDuration,
                BreakDuration = breaker.BreakDuration,
                StateProvider = _circuit,
            });
        }
        // Polly's standard telemetry (a warning per retry and per breaker transition, the "Polly" meter), with two
        // changes: a successful attempt is Debug, not Information (one line per call is noise at trainer rates), and a
        // response is logged as its type and size: a batch answer formatted as JSON costs more than the call.
        builder.ConfigureTelemetry(new TelemetryOptions
        {
            LoggerFactory = loggerFactory,
            ResultFormatter = static (_, result) => result is IMessage message ? $"{message.Descriptor.Name} ({message.CalculateSize()} bytes)" : result,
            SeverityProvider = static args => args.Event.Severity == ResilienceEventSeverity.Information
                && args.Event.EventName is "ExecutionAttempt" or "PipelineExecuting" or "PipelineExecuted"
                ? ResilienceEventSeverity.Debug
                : args.Event.Severity,
        });
        _pipeline = builder.Build();
    }

    /// <summary>Closed, Open, HalfOpen (or Isolated). Closed when the breaker is disabled.</summary>
    public CircuitState CircuitState => _breakerEnabled ? _circuit.CircuitState : CircuitState.Closed;

    /// <summary>Runs <paramref name="call"/> (one attempt; given the options carrying deadline and cancellation) until it
    /// succeeds, fails for good, or the budget of attempts or time is spent.</summary>
    public async Task<TResponse> ExecuteAsync<TResponse>(string operation, Func<CallOptions, AsyncUnaryCall<TResponse>> call,
        CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(operation, cancellationToken);
        try
        {
            var outcome = await _pipeline.ExecuteOutcomeAsync(static async (ctx, state) =>
            {
                try
                {
                    var options = new CallOptions(deadline: DateTime.UtcNow + state.AttemptTimeout, cancellationToken: ctx.CancellationToken);
                    using var pending = state.Call(options);
                    return Outcome.FromResult(await pending.ResponseAsync.ConfigureAwait(false));
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && ctx.CancellationToken.IsCancellationRequested)
                {
                    // Cancelled by the caller or by the total timeout: as OperationCanceledException, which the timeout
                    // strategy turns into TimeoutRejectedException and which callers expect from a cancelled token.
                    return Outcome.FromException<TResponse>(new OperationCanceledException(e.Status.Detail, e, ctx.CancellationToken));
                }
                catch (Exception e)
                {
                    return Outcome.FromException<TResponse>(e);
                }
            }, context, (Call: call, AttemptTimeout: _attemptTimeout)).ConfigureAwait(false);

            return outcome.Exception switch
            {
                null => outcome.Result!,
                BrokenCircuitException open => throw new RpcException(new Status(StatusCode.Unavailable,
                    $"The verifier circuit is open: recent calls found no replica ({open.Message})", open)),
                TimeoutRejectedException timeout => throw new RpcException(new Status(StatusCode.DeadlineExceeded,
                    $"No answer from the verifier within the total timeout of {timeout.Timeout}.", timeout)),
                var other => RethrowPreservingStack<TResponse>(other),
            };
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    static T RethrowPreservingStack<T>(Exception exception)
    {
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(exception);
        return default!;
    }
}
