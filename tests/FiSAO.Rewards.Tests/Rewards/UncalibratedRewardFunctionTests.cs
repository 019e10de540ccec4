namespace FiSAO.Rewards.Tests;

using static RewardTestData;

public class UncalibratedRewardFunctionTests
{
    [Fact]
    public void Without_calibration_scores_are_returned_and_rewards_are_marked_uncalibrated()
    {
        var rewarder = RewardFunction.Create(Settings(), calibration: null);
        var result = rewarder.Score(6, [new(1, 4, 33)]);

        Assert.False(rewarder.IsCalibrated);
        Assert.False(result.IsCalibrated);
        Assert.Equal(RewardFunction.NoCalibrationReason, result.UncalibratedReason);
        Assert.Null(result.TokenRewards);
        Assert.Equal(new MentionRewardResult(1, 4, 33, null, null, false), Assert.Single(result.Mentions));
    }

    [Fact]
    public void Uncalibrated_rewarder_carries_a_custom_reason()
    {
        var rewarder = RewardFunction.Uncalibrated(Settings(), "calibration file missing");
        Assert.Equal("calibration file missing", rewarder.Score(1, []).UncalibratedReason);
    }

    [Fact]
    public void With_calibration_mentions_get_rewards_branches_and_token_rewards()
    {
        var rewarder = RewardFunction.Create(Settings(), Calibration());
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
        var rewarder = RewardFunction.Create(Settings(), null);
        Assert.Throws<ArgumentOutOfRangeException>(() => rewarder.Score(2, [new(1, 3, 20)]));
        Assert.Throws<ArgumentException>(() => rewarder.Score(2, [new(0, 1, double.NaN)]));
    }

    [Fact]
    public void Invalid_settings_are_refused_even_without_calibration()
    {
        Assert.Throws<InvalidRewardSettingsException>(() => RewardFunction.Create(Settings(margin: double.NaN), null));
    }

    [Fact]
    public void Uncalibrated_has_no_rewards_thresholds_or_calibration_and_says_why()
    {
        var function = RewardFunction.Uncalibrated(Settings(), "calibration file missing");
        Assert.Contains("calibration file missing", Assert.Throws<InvalidOperationException>(() => function.Evaluate(10)).Message);
        Assert.Throws<InvalidOperationException>(() => function.Thresholds);
        Assert.Throws<InvalidOperationException>(() => function.Calibration);
        Assert.Throws<InvalidOperationException>(() => function.AssignToTokens(2, [new(0, 1, 20)]));
    }

    [Fact]
    public void Calibrated_score_and_assign_to_tokens_agree()
    {
        var function = RewardFunction.Calibrated(Settings(), Calibration());
        ScoredMention[] mentions = [new(0, 1, 16), new(1, 4, 47)];
        Assert.Equal(function.Score(6, mentions).TokenRewards!, function.AssignToTokens(6, mentions));
    }
}
