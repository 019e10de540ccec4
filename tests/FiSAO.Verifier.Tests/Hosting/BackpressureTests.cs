using System.Net;
using FiSAO.Verifier.Tests.Support;
using FiSAO.Verifier.V1;
using Google.Protobuf;
using Grpc.Core;

namespace FiSAO.Verifier.Tests.Hosting;

public class BackpressureTests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    [Fact]
    public async Task A_full_encoding_queue_answers_resource_exhausted_at_once_and_recovers()
    {
        await using var host = await fixture.StartAnotherAsync(new Dictionary<string, string?>
        {
            ["Verifier:Batching:QueueCapacity"] = "1",
            ["Verifier:Batching:MaxBatchSize"] = "1",
            ["Verifier:Batching:MaxQueueDelayMs"] = "0",
        });
        var requests = Enumerable.Range(0, 200).Select(i => new ScoreTokensRequest
        {
            Image = new ImageRef { Data = ByteString.CopyFrom(TestImages.Png(5000 + i, 256, 256)) },
            Tokens = { "▁a", "▁dog" },
        }).ToList();

        var outcomes = await Task.WhenAll(requests.Select(async r =>
        {
            try { await host.Client.ScoreTokensAsync(r); return StatusCode.OK; }
            catch (RpcException e)
            {
                if (e.StatusCode == StatusCode.ResourceExhausted) Assert.Contains("queue is full", e.Status.Detail);
                return e.StatusCode;
            }
        }));

        Assert.Contains(StatusCode.ResourceExhausted, outcomes);
        Assert.Contains(StatusCode.OK, outcomes);
        Assert.All(outcomes, o => Assert.True(o is StatusCode.OK or StatusCode.ResourceExhausted, $"unexpected {o}"));
        // Accepted work was not lost and the service serves normally afterwards.
        var after = await host.Client.ScoreTokensAsync(requests[0]);
        Assert.Equal(2, after.Rewards.Count);
    }
}

public class ApiKeyTests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    [Fact]
    public async Task With_an_api_key_configured_calls_without_it_are_unauthenticated_but_health_is_open()
    {
        await using var host = await fixture.StartAnotherAsync(new Dictionary<string, string?> { ["Verifier:ApiKey"] = "s3cret" });
        var request = new GetInfoRequest();

        var denied = await Assert.ThrowsAsync<RpcException>(async () => await host.Client.GetInfoAsync(request));
        Assert.Equal(StatusCode.Unauthenticated, denied.StatusCode);
        var wrong = await Assert.ThrowsAsync<RpcException>(async () =>
            await host.Client.GetInfoAsync(request, new Metadata { { "x-api-key", "guess" } }));
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        Assert.NotEmpty((await host.Client.GetInfoAsync(request, new Metadata { { "x-api-key", "s3cret" } })).ModelId);

        var health = new global::Grpc.Health.V1.Health.HealthClient(host.Channel);
        Assert.Equal(global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving,
            (await health.CheckAsync(new global::Grpc.Health.V1.HealthCheckRequest())).Status);

        using var anonymous = new HttpClient { BaseAddress = new Uri(host.Address) };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/info")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync("/v1/info")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz")).StatusCode);
    }
}
