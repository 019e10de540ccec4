using FiSAO.Client.Testing;
using FiSAO.Client.Tests.Support;

namespace FiSAO.Client.Tests.Channels;

public class LoadBalancingTests
{
    [Fact]
    public async Task Calls_are_spread_round_robin_over_two_replicas_and_a_batch_across_them_is_complete()
    {
        await using var first = await TinyVerifierModel.StartVerifierAsync();
        await using var second = await TinyVerifierModel.StartVerifierAsync();
        using var client = TestClients.Create(first.Address, second.Address);

        for (int i = 0; i < 20; i++) await client.GetInfoAsync();
        var items = Rollouts.Batch(items: 200, images: 50, seed: 90_000);
        var results = await client.ScoreBatchAsync(items);

        foreach (var replica in new[] { first, second })
        {
            var metrics = await replica.MetricsAsync();
            Assert.True(metrics.Sum("fisao_verifier_requests_total", ("method", "GetInfo")) >= 3, $"{replica.Address} got almost no GetInfo calls");
            Assert.True(metrics.Sum("fisao_verifier_requests_total", ("method", "ScoreTokensBatch")) >= 1, $"{replica.Address} got no batch call");
        }
        Assert.All(results, r => Assert.True(r.IsSuccess, r.Failure?.Message));
        Assert.Equal(Enumerable.Range(0, 200).Select(Rollouts.ObjectOf), results.Select(r => r.Response!.Mentions.Single().Entity));
    }

    [Fact]
    public async Task A_dns_name_is_resolved_to_the_replica()
    {
        await using var verifier = await TinyVerifierModel.StartVerifierAsync();
        var options = TestClients.Options($"dns:///localhost:{verifier.Port}");
        options.DnsRefreshInterval = TimeSpan.FromSeconds(1);
        using var client = new FiSAOVerifierClient(options);

        var info = await client.GetInfoAsync();

        Assert.StartsWith("tiny-clip@", info.ModelId);
        Assert.Equal(1, (await verifier.MetricsAsync()).Sum("fisao_verifier_requests_total", ("method", "GetInfo")));
    }
}
