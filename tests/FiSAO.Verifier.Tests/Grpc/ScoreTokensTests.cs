using System.Security.Cryptography;
using FiSAO.Verifier.Tests.Support;
using FiSAO.Verifier.V1;
using Google.Protobuf;
using Grpc.Core;

namespace FiSAO.Verifier.Tests.Grpc;

public class ScoreTokensTests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    static readonly string[] SentencePieceTokens = ["▁A", "▁hot", "▁dog", "▁and", "▁two", "▁ca", "ts", "▁on", "▁a", "▁table", "."];

    static ScoreTokensRequest Request(byte[] image, params string[] tokens) => new()
    {
        Image = new ImageRef { Data = ByteString.CopyFrom(image) },
        Tokens = { tokens },
    };

    [Fact]
    public async Task Every_token_gets_a_reward_and_entity_mentions_map_to_their_token_spans()
    {
        var image = TestImages.Png(1);
        var response = await fixture.Host.Client.ScoreTokensAsync(Request(image, SentencePieceTokens));

        Assert.Equal(SentencePieceTokens.Length, response.Rewards.Count);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(image)), response.ImageId);
        Assert.StartsWith("model@", response.ModelId);
        var mentions = response.Mentions.Select(m => (m.Surface, m.Entity, m.TokenStart, m.TokenEnd)).ToList();
        Assert.Equal([("hot dog", "hot dog", 1, 3), ("cats", "cat", 5, 7), ("table", "dining table", 9, 10)], mentions);
        Assert.All(response.Mentions, m => Assert.True(float.IsFinite(m.Score)));
    }

    [Fact]
    public async Task Without_calibration_scores_are_real_and_every_reward_is_zero()
    {
        var response = await fixture.Host.Client.ScoreTokensAsync(Request(TestImages.Png(2), SentencePieceTokens));
        Assert.False(response.Calibrated);
        Assert.All(response.Rewards, r => Assert.Equal(0f, r));
        Assert.All(response.Mentions, m => Assert.Equal(Verdict.Neutral, m.Verdict));
        Assert.Contains(response.Mentions, m => m.Score != 0);

        var info = await fixture.Host.Client.GetInfoAsync(new GetInfoRequest());
        Assert.False(info.Calibrated);
        Assert.Null(info.Calibration);
    }

    [Fact]
    public async Task The_score_is_logit_scale_times_the_cosine_of_the_embed_features()
    {
        var image = TestImages.Png(3);
        var response = await fixture.Host.Client.ScoreTokensAsync(Request(image, "▁a", "▁dog"));
        var info = await fixture.Host.Client.GetInfoAsync(new GetInfoRequest());
        var imageFeatures = (await fixture.Host.Client.EmbedAsync(new EmbedRequest { Image = new ImageRef { Data = ByteString.CopyFrom(image) } })).Embedding;
        var textFeatures = (await fixture.Host.Client.EmbedAsync(new EmbedRequest { Text = "dog" })).Embedding;

        double dot = 0, ni = 0, nt = 0;
        for (int i = 0; i < imageFeatures.Count; i++)
        {
            dot += imageFeatures[i] * textFeatures[i];
            ni += imageFeatures[i] * imageFeatures[i];
            nt += textFeatures[i] * textFeatures[i];
        }
        var expected = Math.Exp(info.LogitScale) * dot / Math.Sqrt(ni * nt);
        Assert.Equal(expected, response.Mentions.Single().Score, 3);
    }

    [Fact]
    public async Task An_image_sent_once_can_be_referred_to_by_its_id_and_an_unknown_id_is_not_found()
    {
        var first = await fixture.Host.Client.ScoreTokensAsync(Request(TestImages.Png(4), "▁a", "▁cat"));
        var again = await fixture.Host.Client.ScoreTokensAsync(new ScoreTokensRequest
        {
            Image = new ImageRef { ImageId = first.ImageId },
            Tokens = { "▁a", "▁cat" },
        });
        Assert.Equal(first.Mentions.Single().Score, again.Mentions.Single().Score);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Host.Client.ScoreTokensAsync(new ScoreTokensRequest
        {
            Image = new ImageRef { ImageId = new string('0', 64) },
            Tokens = { "▁a", "▁cat" },
        }));
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("Send the image bytes again", error.Status.Detail);
    }
}
