using System.Diagnostics;
using FiSAO.Client.Testing;
using FiSAO.Client.Tests.Support;
using FiSAO.Verifier.Tests.Support;
using FiSAO.Verifier.V1;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace FiSAO.Client.Tests.Resilience;

public class RetryTests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    [Fact]
    public async Task Invalid_argument_is_not_retried()
    {
        var (client, log, loggers) = Logged(TestClients.Options(fixture.Verifier.Address));
        using var _ = client;
        using var __ = loggers;
        var before = await fixture.Verifier.MetricsAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => client.ScoreAsync(TestImages.Png(1), tokens: []));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var after = await fixture.Verifier.MetricsAsync();
        Assert.Equal(1, Calls(after, "ScoreTokens", "InvalidArgument") - Calls(before, "ScoreTokens", "InvalidArgument"));
        Assert.DoesNotContain(log.Lines, l => l.Contains("OnRetry"));
    }

    [Fact]
    public async Task A_full_queue_is_retried_with_backoff_until_every_call_succeeds()
    {
        await using var busy = await TinyVerifierModel.StartVerifierAsync(new Dictionary<string, string>
        {
            ["Verifier:Batching:QueueCapacity"] = "1",
            ["Verifier:Batching:MaxBatchSize"] = "1",
            ["Verifier:Batching:MaxQueueDelayMs"] = "0",
        });
        var options = TestClients.Options(busy.Address);
        options.Resilience.MaxAttempts = 40;
        using var client = new FiSAOVerifierClient(options);
        var images = Enumerable.Range(0, 40).Select(i => TestImages.Png(80_000 + i, 128, 128)).ToList();

        var answers = await Task.WhenAll(images.Select(image => client.ScoreAsync(image, ["▁a", "▁dog"])));

        Assert.All(answers, a => Assert.Equal("dog", a.Mentions.Single().Entity));
        var refused = Calls(await busy.MetricsAsync(), "ScoreTokens", "ResourceExhausted");
        Assert.True(refused > 0, "the queue of 1 never overflowed: the test proves nothing");
    }

    [Fact]
    public async Task Each_attempt_carries_its_deadline_and_a_call_whose_attempts_all_time_out_ends_deadline_exceeded()
    {
        // A lone image waits 5 s for company before it is encoded: far longer than an attempt may take.
        await using var slow = await TinyVerifierModel.StartVerifierAsync(new Dictionary<string, string>
        {
            ["Verifier:Batching:MaxQueueDelayMs"] = "5000",
        });
        var options = TestClients.Options(slow.Address);
        options.Resilience.MaxAttempts = 3;
        options.Resilience.AttemptTimeout = TimeSpan.FromMilliseconds(250);
        options.Resilience.CircuitBreaker.Enabled = false;
        var (client, log, loggers) = Logged(options);
        using var _ = client;
        using var __ = loggers;
        await client.GetInfoAsync(); // connected
        // On a loaded machine the connecting call itself may need a retry: count only the scoring call's.
        static int DeadlineRetries(RecordingLoggerProvider log) => log.Lines.Count(l => l.Contains("EventName: 'OnRetry'") && l.Contains("DeadlineExceeded"));
        var retriesBefore = DeadlineRetries(log);
        var before = await slow.MetricsAsync();
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<RpcException>(() => client.ScoreAsync(TestImages.Png(2), ["▁a", "▁dog"]));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        // Three deadlines of 250 ms and two short waits; without deadlines the first attempt alone would take 5 s.
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(3 * 250), TimeSpan.FromSeconds(4));
        Assert.Equal(2, DeadlineRetries(log) - retriesBefore);
        // The verifier got the calls (one that arrives after its deadline is refused before the method runs, uncounted).
        await Task.Delay(200);
        var seen = (await slow.MetricsAsync()).Sum("fisao_verifier_requests_total", ("method", "ScoreTokens")) -
                   before.Sum("fisao_verifier_requests_total", ("method", "ScoreTokens"));
        Assert.InRange(seen, 1, 3);
    }

    [Fact]
    public async Task The_total_timeout_bounds_a_call_with_all_its_attempts_and_waits()
    {
        await using var slow = await TinyVerifierModel.StartVerifierAsync(new Dictionary<string, string>
        {
            ["Verifier:Batching:MaxQueueDelayMs"] = "5000",
        });
        var options = TestClients.Options(slow.Address);
        options.Resilience.MaxAttempts = 100;
        options.Resilience.AttemptTimeout = TimeSpan.FromMilliseconds(300);
        options.Resilience.TotalTimeout = TimeSpan.FromSeconds(1);
        using var client = new FiSAOVerifierClient(options);
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<RpcException>(() => client.EmbedImageAsync(TestImages.Png(3)));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Contains("total timeout", error.Status.Detail);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(4));
    }

    [Fact]
    public async Task A_verifier_nobody_runs_is_tried_max_attempts_times_then_reported_unavailable()
    {
        var options = TestClients.Options($"http://127.0.0.1:{FreePort.Next()}");
        options.Resilience.MaxAttempts = 4;
        options.Resilience.CircuitBreaker.Enabled = false;
        var (client, log, loggers) = Logged(options);
        using var _ = client;
        using var __ = loggers;

        var error = await Assert.ThrowsAsync<RpcException>(() => client.GetInfoAsync());

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(3, log.Lines.Count(l => l.Contains("EventName: 'OnRetry'")));
    }

    [Fact]
    public async Task A_caller_that_cancels_gets_operation_canceled_and_no_retries()
    {
        await using var slow = await TinyVerifierModel.StartVerifierAsync(new Dictionary<string, string>
        {
            ["Verifier:Batching:MaxQueueDelayMs"] = "5000",
        });
        var (client, log, loggers) = Logged(TestClients.Options(slow.Address));
        using var _ = client;
        using var __ = loggers;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ScoreAsync(TestImages.Png(4), ["▁a", "▁cat"], cancellationToken: cancel.Token));
        Assert.DoesNotContain(log.Lines, l => l.Contains("OnRetry"));
    }

    static (FiSAOVerifierClient, RecordingLoggerProvider, ILoggerFactory) Logged(FiSAOClientOptions options)
    {
        var log = new RecordingLoggerProvider();
        var loggers = LoggerFactory.Create(b => b.AddProvider(log).SetMinimumLevel(LogLevel.Information));
        return (new FiSAOVerifierClient(options, loggers), log, loggers);
    }

    static double Calls(PrometheusText metrics, string method, string code) =>
        metrics.Sum("fisao_verifier_requests_total", ("method", method), ("code", code));
}
