using System.Globalization;
using FiSAO.Client.Testing;
using FiSAO.Client.Tests.Support;
using FiSAO.Verifier.Tests.Support;
using FiSAO.Verifier.V1;
using Grpc.Core;

namespace FiSAO.Client.Tests.Batching;

public class BatchTests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    [Fact]
    public async Task A_1000_item_batch_comes_back_complete_and_in_input_order()
    {
        var options = TestClients.Options(fixture.Verifier.Address);
        options.Batch.MaxItemsPerCall = 96;
        using var client = new FiSAOVerifierClient(options);
        var items = Rollouts.Batch(items: 1000, images: 250, seed: 10_000);

        var results = await client.ScoreBatchAsync(items, TokenFormat.SentencePiece);

        Assert.Equal(1000, results.Count);
        for (int i = 0; i < results.Count; i++)
        {
            var result = results[i];
            Assert.True(result.IsSuccess, $"item {i}: {result.Failure}");
            Assert.Equal(i, result.Index);
            Assert.Equal(i.ToString(CultureInfo.InvariantCulture), result.Response!.RequestId);
            Assert.Equal(items[i].Tokens.Count, result.Response.Rewards.Count);
            var mention = Assert.Single(result.Response.Mentions);
            Assert.Equal(Rollouts.ObjectOf(i), mention.Entity);
            Assert.Equal(i % 5 + 1, mention.TokenStart);
            Assert.Equal(ImageId.Of(items[i].Image.Span), result.Response.ImageId);
        }
        Assert.True(results.Statistics.Calls >= 1000 / 96, $"{results.Statistics.Calls} calls");

        // Items that share an image and object got the same score as one ScoreTokens call of that item alone.
        foreach (var i in new[] { 0, 251, 502, 999 })
        {
            var single = await client.ScoreTokensAsync(new ScoreTokensRequest
            {
                Image = new ImageRef { ImageId = results[i].Response!.ImageId },
                Tokens = { items[i].Tokens },
            });
            Assert.Equal(single.Mentions.Single().Score, results[i].Response!.Mentions.Single().Score);
        }
    }

    [Fact]
    public async Task Each_distinct_image_is_uploaded_once_and_every_other_item_refers_to_it_by_id()
    {
        using var client = TestClients.Create(fixture.Verifier.Address);
        var items = Rollouts.Batch(items: 40, images: 8, seed: 20_000);
        // Equal bytes in a separate array are the same image (the id is the content hash).
        items[3] = items[3] with { Image = items[11].Image.ToArray() };
        var distinctBytes = items.Select(i => i.Image.ToArray()).DistinctBy(Convert.ToHexString).Sum(b => (long)b.Length);
        var before = await fixture.Verifier.MetricsAsync();

        var first = await client.ScoreBatchAsync(items);

        var after = await fixture.Verifier.MetricsAsync();
        Assert.All(first, r => Assert.True(r.IsSuccess));
        Assert.Equal(8, first.Statistics.DistinctImages);
        Assert.Equal(8, first.Statistics.ImageUploads);
        Assert.Equal(distinctBytes, first.Statistics.ImageBytesSent);
        Assert.Equal(0, first.Statistics.NotFoundResends);
        // The verifier saw 8 new images (cache misses) and 32 references to images it held (hits).
        Assert.Equal(8, CacheLookups(after, "miss") - CacheLookups(before, "miss"));
        Assert.Equal(32, CacheLookups(after, "hit") - CacheLookups(before, "hit"));

        // The next batch on the same images (the next PPO epoch) sends no image bytes at all.
        var second = await client.ScoreBatchAsync(items);
        Assert.All(second, r => Assert.True(r.IsSuccess));
        Assert.Equal(0, second.Statistics.ImageUploads);
        Assert.Equal(first.Select(r => r.Response!.Mentions.Single().Score), second.Select(r => r.Response!.Mentions.Single().Score));
    }

    [Fact]
    public async Task Items_the_verifier_refuses_come_back_as_typed_failures_without_retries_and_the_others_succeed()
    {
        using var client = TestClients.Create(fixture.Verifier.Address);
        var items = Rollouts.Batch(items: 12, images: 3, seed: 30_000);
        var notAnImage = "plain text, not an image"u8.ToArray();
        items[4] = new ScoreItem(notAnImage, ["▁a", "▁dog"]);
        items[9] = new ScoreItem(notAnImage, ["▁a", "▁cat"]);
        items[6] = items[6] with { Tokens = [] };

        var results = await client.ScoreBatchAsync(items);

        foreach (var i in new[] { 4, 6, 9 })
        {
            Assert.False(results[i].IsSuccess);
            Assert.Equal(StatusCode.InvalidArgument, results[i].Failure!.Code);
        }
        Assert.Contains("image", results[4].Failure!.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("token", results[6].Failure!.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(9, results.Count(r => r.IsSuccess));
        Assert.Equal(0, results.Statistics.ItemRetries);
        Assert.Equal(results.Statistics.Calls, results.Statistics.Attempts);
    }

    [Fact]
    public async Task The_byte_budget_and_the_item_limit_split_a_batch_into_several_calls()
    {
        var options = TestClients.Options(fixture.Verifier.Address);
        options.Batch.MaxCallBytes = 64 * 1024;
        options.Batch.MaxItemsPerCall = 7;
        options.Batch.MaxConcurrentCalls = 2;
        using var client = new FiSAOVerifierClient(options);
        // 24 distinct incompressible 64 x 64 PNGs (~12 KiB each): at most 5 fit in 64 KiB.
        var items = Rollouts.Batch(items: 24, images: 24, seed: 40_000, width: 64, height: 64);
        var before = await fixture.Verifier.MetricsAsync();

        var results = await client.ScoreBatchAsync(items);

        var after = await fixture.Verifier.MetricsAsync();
        Assert.All(results, r => Assert.True(r.IsSuccess));
        var minimumCalls = (int)Math.Ceiling(results.Statistics.ImageBytesSent / (double)options.Batch.MaxCallBytes);
        Assert.True(results.Statistics.Calls >= Math.Max(minimumCalls, 24 / 7 + 1), $"{results.Statistics.Calls} calls");
        Assert.Equal(results.Statistics.Calls, Requests(after, "ScoreTokensBatch") - Requests(before, "ScoreTokensBatch"));
    }

    [Fact]
    public async Task A_full_encoding_queue_refuses_items_and_they_are_sent_again_until_all_are_scored()
    {
        await using var busy = await TinyVerifierModel.StartVerifierAsync(new Dictionary<string, string>
        {
            ["Verifier:Batching:QueueCapacity"] = "2",
            ["Verifier:Batching:MaxBatchSize"] = "1",
            ["Verifier:Batching:MaxQueueDelayMs"] = "0",
        });
        var options = TestClients.Options(busy.Address);
        options.Resilience.MaxAttempts = 30;
        using var client = new FiSAOVerifierClient(options);
        var items = Rollouts.Batch(items: 60, images: 60, seed: 50_000, width: 128, height: 128);

        var results = await client.ScoreBatchAsync(items);

        Assert.All(results, r => Assert.True(r.IsSuccess, r.Failure?.Message));
        Assert.True(results.Statistics.ItemRetries > 0, "the queue of 2 never overflowed: the test proves nothing");
    }

    [Fact]
    public async Task A_restarted_verifier_answers_not_found_for_known_ids_and_the_bytes_are_sent_again()
    {
        await using var verifier = await TinyVerifierModel.StartVerifierAsync();
        using var client = TestClients.Create(verifier.Address);
        var items = Rollouts.Batch(items: 30, images: 6, seed: 60_000);
        var first = await client.ScoreBatchAsync(items);
        Assert.Equal(6, first.Statistics.ImageUploads);

        await verifier.KillAsync();
        await verifier.StartAsync(); // same port, empty image cache

        var second = await client.ScoreBatchAsync(items);
        Assert.All(second, r => Assert.True(r.IsSuccess));
        // All 30 went by id; every image's first miss was re-sent with bytes, its other items waited for that.
        Assert.Equal(6, second.Statistics.ImageUploads);
        Assert.InRange(second.Statistics.NotFoundResends, 6, 30);
        Scores.AssertClose(first.Select(r => r.Response!.Mentions.Single().Score), second.Select(r => r.Response!.Mentions.Single().Score));
    }

    static double CacheLookups(PrometheusText metrics, string result) =>
        metrics.Sum("fisao_verifier_image_cache_lookups_total", ("result", result));

    static double Requests(PrometheusText metrics, string method) =>
        metrics.Sum("fisao_verifier_requests_total", ("method", method));
}
