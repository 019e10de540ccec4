namespace FiSAO.Rewards.Tests;

using static RewardTestData;

public class TokenRewarderTests
{
    [Fact]
    public void Without_calibration_scores_are_returned_and_rewards_are_marked_uncalibrated()
    {
        var rewarder = TokenRewarder.Create(Settings(), calibration: null);
        var result = rewarder.Score(6, [new(1, 4, 33)]);

        Assert.False(rewarder.IsCalibrated);
        Assert.False(result.IsCalibrated);
        Assert.Equal(TokenRewarder.NoCalibrationReason, result.UncalibratedReason);
        Assert.Null(result.TokenRewards);
        Assert.Equal(new MentionRewardResult(1, 4, 33, null, null, false), Assert.Single(result.Mentions));
    }

    [Fact]
    public void Uncalibrated_rewarder_carries_a_custom_reason()
    {
        var rewarder = TokenRewarder.Uncalibrated(Settings(), "calibration file missing");
        Assert.Equal("calibration file missing", rewarder.Score(1, []).UncalibratedReason);
    }

    [Fact]
    public void With_calibration_mentions_get_rewards_branches_and_token_rewards()
    {
        var rewarder = TokenRewarder.Create(Settings(), Calibration());
        var result = rewarder.Score(6, [new(0, 1, 16), new(1, 4, 47)]);

        Assert.True(result.IsCalibrated);
        Assert.Null(result.UncalibratedReason);
        Assert.Equal(RewardBranch.Negative, result.Mentions[0].Branch);
        Assert.Equal(-1.0 / 3, result.Mentions[0].Reward!.Value, Tolerance);
        Assert.Equal(new MentionRewardResult(1, 4, 47, 1.0, RewardBranch.Positive, true), result.Mentions[1]);
        Assert.Equal([(float)(-1.0 / 3), 0f, 0f, 1f, 0f, 0f], result.TokenRewards!);
    }

    [Fact]
    public void Spans_are_validated_even_when_uncalibrated()
    {
        var rewarder = TokenRewarder.Create(Settings(), null);
        Assert.Throws<ArgumentOutOfRangeException>(() => rewarder.Score(2, [new(1, 3, 20)]));
        Assert.Throws<ArgumentException>(() => rewarder.Score(2, [new(0, 1, double.NaN)]));
    }

    [Fact]
    public void Invalid_settings_are_refused_even_without_calibration()
    {
        Assert.Throws<InvalidRewardSettingsException>(() => TokenRewarder.Create(Settings(margin: double.NaN), null));
    }
}
