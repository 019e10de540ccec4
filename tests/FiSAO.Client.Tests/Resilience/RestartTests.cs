using System.Diagnostics;
using FiSAO.Client.Testing;
using FiSAO.Client.Tests.Support;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;

namespace FiSAO.Client.Tests.Resilience;

public class RestartTests
{
    [Fact]
    public async Task A_verifier_killed_mid_batch_and_started_again_completes_the_batch_with_every_result_exactly_once()
    {
        // Encoder batches wait 40 ms for company, so the batch takes long enough to be interrupted.
        await using var verifier = await TinyVerifierModel.StartVerifierAsync(new Dictionary<string, string>
        {
            ["Verifier:Batching:MaxQueueDelayMs"] = "40",
        });
        var options = TestClients.Options(verifier.Address);
        options.Batch.MaxItemsPerCall = 8;
        options.Batch.MaxConcurrentCalls = 2;
        options.Resilience.MaxAttempts = 60;
        options.Resilience.CircuitBreaker = new VerifierCircuitBreakerOptions
        {
            MinimumThroughput = 4,
            FailureRatio = 0.5,
            SamplingDuration = TimeSpan.FromSeconds(5),
            BreakDuration = TimeSpan.FromMilliseconds(500),
        };
        var log = new RecordingLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(log));
        using var client = new FiSAOVerifierClient(options, loggers);
        var items = Rollouts.Batch(items: 400, images: 200, seed: 70_000, width: 96, height: 96);

        var batch = client.ScoreBatchAsync(items);
        // Let a few calls through, then kill the verifier while the rest are queued or in flight.
        await WaitUntil(async () => (await verifier.MetricsAsync()).Sum("fisao_verifier_requests_total", ("method", "ScoreTokensBatch")) >= 4);
        await verifier.KillAsync();
        Assert.False(batch.IsCompleted, "the batch finished before the verifier was killed: nothing was tested");

        // While it is down, the failures open the circuit.
        await WaitUntil(() => Task.FromResult(client.CircuitState == CircuitState.Open));
        await Task.Delay(500);
        Assert.False(batch.IsCompleted);
        await verifier.StartAsync(); // same port, empty image cache

        var results = await batch.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(items.Count, results.Count);
        Assert.Equal(Enumerable.Range(0, items.Count), results.Select(r => r.Index));
        Assert.Equal(items.Count, results.Select(r => r.Response?.RequestId).Distinct().Count());
        Assert.All(results, r => Assert.True(r.IsSuccess, $"item {r.Index}: {r.Failure}\n{log}"));
        Assert.True(results.Statistics.Attempts > results.Statistics.Calls, $"no call was retried:\n{log}");
        Assert.Equal(CircuitState.Closed, client.CircuitState);

        // Scoring is a pure function: the answers equal those of a clean run on the restarted verifier (up to float
        // rounding, since part of them were encoded by the killed process, in other encoder batches).
        var clean = await client.ScoreBatchAsync(items);
        Scores.AssertClose(clean.Select(r => r.Response!.Mentions.Single().Score), results.Select(r => r.Response!.Mentions.Single().Score));
        Assert.Equal(clean.Select(r => r.Response!.ImageId), results.Select(r => r.Response!.ImageId));
    }

    [Fact]
    public async Task An_open_circuit_is_waited_out_so_a_call_succeeds_once_the_verifier_is_reachable_again()
    {
        await using var verifier = await TinyVerifierModel.StartVerifierAsync();
        await using var network = TcpRelay.Start(verifier.Port);
        var options = TestClients.Options(network.Address);
        // Four attempts 10-80 ms apart would all meet the open circuit. (Four, not two: now and then the first call
        // on a reconnected path is reset, the trial fails and the circuit opens once more.)
        options.Resilience.MaxAttempts = 4;
        options.Resilience.BaseDelay = TimeSpan.FromMilliseconds(10);
        options.Resilience.UseJitter = false;
        options.Resilience.CircuitBreaker = new VerifierCircuitBreakerOptions
        {
            MinimumThroughput = 2,
            BreakDuration = TimeSpan.FromSeconds(1.5),
        };
        using var client = new FiSAOVerifierClient(options);
        await client.GetInfoAsync();

        network.Cut();
        while (client.CircuitState != CircuitState.Open)
            await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => client.GetInfoAsync());
        network.Restore();
        Assert.Equal(CircuitState.Open, client.CircuitState);

        // The retry waits for the break to end instead.
        var info = await client.GetInfoAsync();

        Assert.StartsWith("tiny-clip@", info.ModelId);
        Assert.Equal(CircuitState.Closed, client.CircuitState);
    }

    static async Task WaitUntil(Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException("The condition did not come true within 30 s.");
            await Task.Delay(5);
        }
    }
}
