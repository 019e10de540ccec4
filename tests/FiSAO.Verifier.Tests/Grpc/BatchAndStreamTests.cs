using FiSAO.Verifier.Tests.Support;
using FiSAO.Verifier.V1;
using Google.Protobuf;
using Grpc.Core;

namespace FiSAO.Verifier.Tests.Grpc;

public class BatchAndStreamTests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    static ScoreTokensRequest Item(int seed, string id, params string[] tokens) => new()
    {
        Image = new ImageRef { Data = ByteString.CopyFrom(TestImages.Png(seed)) },
        Tokens = { tokens },
        RequestId = id,
    };

    [Fact]
    public async Task A_batch_answers_in_request_order_and_a_bad_item_fails_alone()
    {
        var batch = new ScoreTokensBatchRequest();
        for (int i = 0; i < 20; i++) batch.Items.Add(Item(100 + i, $"r{i}", "▁a", "▁dog", "▁and", "▁a", "▁cat"));
        batch.Items[7] = new ScoreTokensRequest { Image = new ImageRef { Data = ByteString.CopyFromUtf8("not an image") }, Tokens = { "▁dog" }, RequestId = "r7" };

        var response = await fixture.Host.Client.ScoreTokensBatchAsync(batch);

        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"r{i}"), response.Results.Select(r => r.RequestId));
        Assert.Equal(ScoreTokensResult.OutcomeOneofCase.Error, response.Results[7].OutcomeCase);
        Assert.Equal((int)StatusCode.InvalidArgument, response.Results[7].Error.Code);
        Assert.Contains("image", response.Results[7].Error.Message, StringComparison.OrdinalIgnoreCase);
        foreach (var (result, i) in response.Results.Select((r, i) => (r, i)).Where(p => p.i != 7))
        {
            Assert.Equal(ScoreTokensResult.OutcomeOneofCase.Response, result.OutcomeCase);
            Assert.Equal(5, result.Response.Rewards.Count);
            // The same answer as a single call for the same item.
            var single = await fixture.Host.Client.ScoreTokensAsync(batch.Items[i]);
            Assert.Equal(single.Mentions.Select(m => m.Score), result.Response.Mentions.Select(m => m.Score));
        }
    }

    [Fact]
    public async Task A_stream_returns_one_result_per_request_in_order()
    {
        using var call = fixture.Host.Client.ScoreTokensStream();
        var reader = Task.Run(async () =>
        {
            var ids = new List<string>();
            await foreach (var result in call.ResponseStream.ReadAllAsync())
            {
                Assert.Equal(ScoreTokensResult.OutcomeOneofCase.Response, result.OutcomeCase);
                ids.Add(result.RequestId);
            }
            return ids;
        });
        for (int i = 0; i < 30; i++) await call.RequestStream.WriteAsync(Item(200 + i % 7, $"s{i}", "▁two", "▁horses"));
        await call.RequestStream.CompleteAsync();
        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"s{i}"), await reader);
    }

    [Fact]
    public async Task Concurrent_callers_share_encoder_batches_and_get_the_answers_of_single_calls()
    {
        var engine = (FiSAO.Verifier.Scoring.VerifierEngine)fixture.Host.Services.GetService(typeof(FiSAO.Verifier.Scoring.VerifierEngine))!;
        var before = FiSAO.Verifier.Observability.VerifierMetrics.EncodeBatchSize.Count;
        var beforeSum = FiSAO.Verifier.Observability.VerifierMetrics.EncodeBatchSize.Sum;
        var requests = Enumerable.Range(0, 48).Select(i => Item(1000 + i, $"c{i}", "▁a", "▁bird")).ToList();
        var answers = await Task.WhenAll(requests.Select(r => fixture.Host.Client.ScoreTokensAsync(r).ResponseAsync));

        var passes = FiSAO.Verifier.Observability.VerifierMetrics.EncodeBatchSize.Count - before;
        var images = FiSAO.Verifier.Observability.VerifierMetrics.EncodeBatchSize.Sum - beforeSum;
        Assert.Equal(48, images);
        Assert.True(passes < 48, $"48 concurrent images took {passes} forward passes: no batching happened.");
        Assert.Equal(0, engine.QueueDepth);

        // Cached now: the same requests again give identical scores.
        for (int i = 0; i < requests.Count; i += 8)
        {
            var single = await fixture.Host.Client.ScoreTokensAsync(requests[i]);
            Assert.Equal(answers[i].Mentions.Single().Score, single.Mentions.Single().Score);
        }
    }

    [Fact]
    public async Task The_default_message_limit_fits_a_batch_of_32_incompressible_336_px_pngs()
    {
        var batch = new ScoreTokensBatchRequest();
        for (int i = 0; i < 32; i++)
            batch.Items.Add(new ScoreTokensRequest { Image = new ImageRef { Data = ByteString.CopyFrom(TestImages.Png(7000 + i, 336, 336)) }, Tokens = { "▁a", "▁dog" } });
        Assert.True(batch.CalculateSize() > 32 * 336 * 336 * 3, "random pixels should not compress");
        var response = await fixture.Host.Client.ScoreTokensBatchAsync(batch);
        Assert.All(response.Results, r => Assert.Equal(ScoreTokensResult.OutcomeOneofCase.Response, r.OutcomeCase));
    }

    [Fact]
    public async Task Entity_text_features_are_computed_once_and_reused_from_disk_by_the_next_start()
    {
        var first = (FiSAO.Verifier.Scoring.VerifierEngine)fixture.Host.Services.GetService(typeof(FiSAO.Verifier.Scoring.VerifierEngine))!;
        Assert.Single(Directory.GetFiles(Path.Combine(fixture.DataDirectory, "text-features"), "*.f32"));
        await using var second = await fixture.StartAnotherAsync();
        var engine = (FiSAO.Verifier.Scoring.VerifierEngine)second.Services.GetService(typeof(FiSAO.Verifier.Scoring.VerifierEngine))!;
        Assert.True(engine.TextFeatures.LoadedFromCache);
        Assert.Equal(first.TextFeatures.Of("dog").ToArray(), engine.TextFeatures.Of("dog").ToArray());
    }

    [Fact]
    public async Task Items_may_refer_by_id_to_an_image_an_earlier_item_of_the_same_batch_sends()
    {
        var png = TestImages.Png(8123, 200, 200);
        var id = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(png));
        var batch = new ScoreTokensBatchRequest();
        batch.Items.Add(new ScoreTokensRequest { Image = new ImageRef { Data = ByteString.CopyFrom(png) }, Tokens = { "▁a", "▁dog" } });
        for (int i = 0; i < 10; i++) batch.Items.Add(new ScoreTokensRequest { Image = new ImageRef { ImageId = id }, Tokens = { "▁a", "▁dog" } });

        var response = await fixture.Host.Client.ScoreTokensBatchAsync(batch);

        Assert.All(response.Results, r => Assert.Equal(ScoreTokensResult.OutcomeOneofCase.Response, r.OutcomeCase));
        Assert.Single(response.Results.Select(r => r.Response.Mentions.Single().Score).Distinct());
    }
}
