using Calibration = FiSAO.Rewards.Calibration;
using FiSAO.Verifier.Tests.Support;
using FiSAO.Verifier.V1;
using Google.Protobuf;
using Grpc.Core;

namespace FiSAO.Verifier.Tests.Grpc;

/// <summary>Eq. 8 through the running service: a calibration placed around measured scores exercises each branch.</summary>
public class RewardTests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    static readonly string[] Tokens = ["▁a", "▁dog", ",", "▁a", "▁cat", "▁and", "▁a", "▁din", "ing", "▁table"];

    ScoreTokensRequest Request() => new() { Image = new ImageRef { Data = ByteString.CopyFrom(TestImages.Png(77)) }, Tokens = { Tokens } };

    async Task<(VerifierHost Host, Calibration Calibration, double Lambda, double[] S)> CalibratedHostAround(string placement)
    {
        var uncalibrated = await fixture.Host.Client.ScoreTokensAsync(Request());
        var info = await fixture.Host.Client.GetInfoAsync(new GetInfoRequest());
        var s = uncalibrated.Mentions.Select(m => (double)m.Score).ToArray();
        Assert.Equal(3, s.Length);
        var sorted = s.Order().ToArray();
        Assert.True(sorted[1] - sorted[0] > 1e-3 && sorted[2] - sorted[1] > 1e-3, "the random model should give distinct scores");

        // lower threshold (mu_hal - lambda) between the two lowest, upper (mu_gt + lambda) between the two highest.
        const double lambda = 0.0001;
        var calibration = new Calibration
        {
            MuHal = (sorted[0] + sorted[1]) / 2 + lambda,
            MuGt = (sorted[1] + sorted[2]) / 2 - lambda,
            SMin = sorted[0] - 0.5,
            SMax = sorted[2] + 0.25,
            CorrectCount = 10,
            HallucinatedCount = 10,
            ModelId = info.ModelId,
            EntitySetHash = info.EntitySet.Hash,
            MentionTemplate = info.Settings.MentionTemplate,
        };
        var path = Path.Combine(fixture.Root, $"calibration-{placement}.json");
        calibration.Save(path);
        var host = await fixture.StartAnotherAsync(new Dictionary<string, string?>
        {
            ["Verifier:Rewards:Margin"] = lambda.ToString("R"),
            ["Verifier:Rewards:Placement"] = placement,
        }, "--calibration", path);
        return (host, calibration, lambda, s);
    }

    static double Eq8(double s, Calibration c, double lambda)
    {
        double upper = c.MuGt + lambda, lower = c.MuHal - lambda;
        if (s > upper) return (s - upper) / (c.SMax - upper);
        if (s < lower) return (s - lower) / (lower - c.SMin);
        return 0;
    }

    [Fact]
    public async Task Each_branch_of_eq_8_gives_the_hand_computed_reward_on_the_last_token_of_its_mention()
    {
        var (host, calibration, lambda, s) = await CalibratedHostAround("Last");
        await using var _ = host;
        var response = await host.Client.ScoreTokensAsync(Request());

        Assert.True(response.Calibrated);
        var expected = new float[Tokens.Length];
        foreach (var (mention, score) in response.Mentions.Zip(s))
        {
            Assert.Equal(score, mention.Score, 4);
            var r = Eq8(mention.Score, calibration, lambda);
            Assert.Equal(r, mention.Reward, 4);
            expected[mention.TokenEnd - 1] = (float)r;
            Assert.Equal(r > 0 ? Verdict.Correct : r < 0 ? Verdict.Hallucinated : Verdict.Neutral, mention.Verdict);
        }
        Assert.Equal([Verdict.Correct, Verdict.Hallucinated, Verdict.Neutral], response.Mentions.Select(m => m.Verdict).Order());
        for (int t = 0; t < Tokens.Length; t++) Assert.Equal(expected[t], response.Rewards[t], 4);

        var info = await host.Client.GetInfoAsync(new GetInfoRequest());
        Assert.True(info.Calibrated);
        Assert.Equal(calibration.MuGt, info.Calibration.MuGt, 9);
    }

    [Fact]
    public async Task With_placement_all_every_token_of_a_multi_token_mention_carries_the_reward()
    {
        var (host, _, _, _) = await CalibratedHostAround("All");
        await using var __ = host;
        var response = await host.Client.ScoreTokensAsync(Request());
        var table = response.Mentions.Single(m => m.Entity == "dining table");
        Assert.Equal((7, 10), (table.TokenStart, table.TokenEnd)); // "▁din" "ing" "▁table"
        for (int t = table.TokenStart; t < table.TokenEnd; t++) Assert.Equal(table.Reward, response.Rewards[t], 5);
    }

    [Fact]
    public async Task A_calibration_made_for_another_model_stops_start_up_with_a_clear_message()
    {
        var path = Path.Combine(fixture.Root, "foreign-calibration.json");
        new Calibration { MuGt = 2, MuHal = 1, SMin = 0, SMax = 3, CorrectCount = 1, HallucinatedCount = 1, ModelId = "other@123" }.Save(path);
        var error = await Assert.ThrowsAsync<FiSAO.Verifier.Hosting.VerifierStartupException>(() => fixture.StartAnotherAsync(null, "--calibration", path));
        Assert.Contains("another set-up", error.Message);
        Assert.Contains("other@123", error.Message);
    }

    [Fact]
    public async Task Invalid_reward_settings_stop_start_up_with_a_clear_message()
    {
        var error = await Assert.ThrowsAsync<FiSAO.Verifier.Hosting.VerifierStartupException>(() =>
            fixture.StartAnotherAsync(new Dictionary<string, string?> { ["Verifier:Rewards:Margin"] = "-1" }));
        Assert.Contains("Margin", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    static readonly string[] PlainTokens = ["A", " dog", " sleeps", " next", " to", " a", " cat", "."];

    [Fact]
    public async Task Calibrate_averages_the_scores_of_correct_and_hallucinated_mentions_and_can_apply_them()
    {
        await using var host = await fixture.StartAnotherAsync();
        var samples = new List<CalibrationSample>();
        var correct = new List<double>();
        var hallucinated = new List<double>();
        for (int i = 0; i < 6; i++)
        {
            var image = new ImageRef { Data = ByteString.CopyFrom(TestImages.Png(300 + i)) };
            var scored = await host.Client.ScoreTokensAsync(new ScoreTokensRequest { Image = image, Tokens = { PlainTokens }, TokenFormat = TokenFormat.Plain });
            // The random model's better-scoring object is declared present, so the classes separate and apply succeeds.
            var present = scored.Mentions.MaxBy(m => m.Score)!;
            correct.Add(present.Score);
            hallucinated.Add(scored.Mentions.Single(m => m != present).Score);
            samples.Add(new CalibrationSample { Image = image, Text = "A dog sleeps next to a cat.", GroundTruthObjects = { present.Entity } });
        }

        var request = new CalibrateRequest { Apply = true };
        request.Samples.AddRange(samples);
        request.Samples.Add(new CalibrationSample { Image = new ImageRef { Data = ByteString.CopyFromUtf8("junk") }, Text = "a dog", GroundTruthObjects = { "dog" } });
        var response = await host.Client.CalibrateAsync(request);

        Assert.Equal(correct.Average(), response.Calibration.MuGt, 4);
        Assert.Equal(hallucinated.Average(), response.Calibration.MuHal, 4);
        Assert.Equal(correct.Concat(hallucinated).Min(), response.Calibration.SMin, 4);
        Assert.Equal(correct.Concat(hallucinated).Max(), response.Calibration.SMax, 4);
        Assert.Equal(6, response.Calibration.CorrectCount);
        Assert.Equal(6, response.Calibration.HallucinatedCount);
        Assert.Equal(6, response.SampleErrors.Single().Index);
        Assert.Equal((int)StatusCode.InvalidArgument, response.SampleErrors.Single().Error.Code);
        Assert.True(response.Applied, response.NotAppliedReason);
        Assert.True((await host.Client.GetInfoAsync(new GetInfoRequest())).Calibrated);
    }

    [Fact]
    public async Task Calibrate_with_count_sets_counts_an_object_named_twice_in_a_response_once()
    {
        await using var host = await fixture.StartAnotherAsync();
        CalibrateRequest Request(CalibrationCount count)
        {
            var request = new CalibrateRequest { Count = count };
            for (int i = 0; i < 3; i++)
                request.Samples.Add(new CalibrationSample
                {
                    Image = new ImageRef { Data = ByteString.CopyFrom(TestImages.Png(500 + i)) },
                    Text = "A dog sleeps next to a cat and a dog.",
                    GroundTruthObjects = { "dog" },
                });
            return request;
        }

        // Absent (the default) pools mentions: dog twice per response. Sets: dog once per response (Eq. 7's |O^i|).
        var mentions = await host.Client.CalibrateAsync(Request(CalibrationCount.Mentions));
        Assert.Equal((6, 3), (mentions.Calibration.CorrectCount, mentions.Calibration.HallucinatedCount));
        var sets = await host.Client.CalibrateAsync(Request(CalibrationCount.Sets));
        Assert.Equal((3, 3), (sets.Calibration.CorrectCount, sets.Calibration.HallucinatedCount));
        // The same surface scores the same, so the set's mean is that score: the means agree here.
        Assert.Equal(mentions.Calibration.MuGt, sets.Calibration.MuGt, 4);

        var error = await Assert.ThrowsAsync<RpcException>(() => host.Client.CalibrateAsync(Request((CalibrationCount)7)).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("count", error.Status.Detail);
    }

    [Fact]
    public async Task A_calibration_that_does_not_separate_the_classes_is_returned_but_not_applied()
    {
        await using var host = await fixture.StartAnotherAsync();
        var request = new CalibrateRequest { Apply = true };
        for (int i = 0; i < 4; i++)
        {
            var image = new ImageRef { Data = ByteString.CopyFrom(TestImages.Png(400 + i)) };
            var scored = await host.Client.ScoreTokensAsync(new ScoreTokensRequest { Image = image, Tokens = { PlainTokens }, TokenFormat = TokenFormat.Plain });
            var worse = scored.Mentions.MinBy(m => m.Score)!;   // the worse-scoring object declared present: inverted
            request.Samples.Add(new CalibrationSample { Image = image, Text = "A dog sleeps next to a cat.", GroundTruthObjects = { worse.Entity } });
        }
        var response = await host.Client.CalibrateAsync(request);
        Assert.False(response.Applied);
        Assert.Contains("mu_hal", response.NotAppliedReason);
        Assert.True(response.Calibration.MuHal > response.Calibration.MuGt);
        Assert.False((await host.Client.GetInfoAsync(new GetInfoRequest())).Calibrated);
    }
}
