namespace FiSAO.Rewards.Tests;

using static RewardTestData;

// Calibration: mu_gt = 25, mu_hal = 20, S_min = 10, S_max = 40; lambda = 1 unless stated.
// Upper threshold mu_gt + lambda = 26, lower threshold mu_hal - lambda = 19.
// Positive denominator S_max - 26 = 14. Negative denominator (default) 19 - 10 = 9; PaperLiteral (25 - 1) - 10 = 14.
public class RewardFunctionTests
{
    [Fact]
    public void Thresholds_and_denominators_follow_eq8_with_margin()
    {
        var t = Function().Thresholds;
        Assert.Equal(new RewardThresholds(26, 19, 10, 40, 14, 9), t);
    }

    [Theory]
    [InlineData(33.0, 0.5)]          // (33 - 26) / 14
    [InlineData(40.0, 1.0)]          // S = S_max
    [InlineData(27.4, 1.4 / 14)]     // (27.4 - 26) / 14
    public void Score_above_upper_threshold_gets_positive_normalised_reward(double score, double expected)
    {
        var outcome = Function().Evaluate(score);
        Assert.Equal(RewardBranch.Positive, outcome.Branch);
        Assert.Equal(expected, outcome.Reward, Tolerance);
        Assert.False(outcome.Clipped);
    }

    [Theory]
    [InlineData(16.0, -1.0 / 3)]     // (16 - 19) / 9
    [InlineData(10.0, -1.0)]         // S = S_min
    [InlineData(18.1, -0.9 / 9)]
    public void Score_below_lower_threshold_gets_negative_normalised_reward(double score, double expected)
    {
        var outcome = Function().Evaluate(score);
        Assert.Equal(RewardBranch.Negative, outcome.Branch);
        Assert.Equal(expected, outcome.Reward, Tolerance);
        Assert.False(outcome.Clipped);
    }

    [Theory]
    [InlineData(22.5)]
    [InlineData(25.0)]   // mu_gt itself lies inside the band when lambda > 0
    [InlineData(20.0)]   // mu_hal too
    public void Score_inside_the_band_gets_zero(double score)
    {
        var outcome = Function().Evaluate(score);
        Assert.Equal(new RewardOutcome(0, RewardBranch.Neutral, false), outcome);
    }

    [Theory]
    [InlineData(26.0)]   // exactly mu_gt + lambda
    [InlineData(19.0)]   // exactly mu_hal - lambda
    public void Score_exactly_at_a_threshold_gets_zero_because_thresholds_are_strict(double score)
    {
        Assert.Equal(0.0, Function().Reward(score));
        Assert.Equal(RewardBranch.Neutral, Function().Evaluate(score).Branch);
    }

    [Fact]
    public void Scores_just_beyond_the_thresholds_get_small_rewards_of_the_right_sign()
    {
        var f = Function();
        Assert.True(f.Reward(Math.BitIncrement(26.0)) > 0);
        Assert.True(f.Reward(Math.BitDecrement(19.0)) < 0);
    }

    [Fact]
    public void Score_above_s_max_is_clipped_to_plus_one()
    {
        var outcome = Function().Evaluate(47);  // (47 - 26) / 14 = 1.5
        Assert.Equal(new RewardOutcome(1.0, RewardBranch.Positive, true), outcome);
    }

    [Fact]
    public void Score_below_s_min_is_clipped_to_minus_one()
    {
        var outcome = Function().Evaluate(1);   // (1 - 19) / 9 = -2
        Assert.Equal(new RewardOutcome(-1.0, RewardBranch.Negative, true), outcome);
    }

    [Fact]
    public void Without_clipping_scores_beyond_the_bounds_exceed_unit_range()
    {
        var f = Function(configure: s => s.ClipToUnitRange = false);
        Assert.Equal(1.5, f.Reward(47), Tolerance);
        Assert.Equal(-2.0, f.Reward(1), Tolerance);
        Assert.False(f.Evaluate(47).Clipped);
    }

    [Theory]
    [InlineData(16.0, -3.0 / 14)]    // (16 - 19) / ((25 - 1) - 10)
    [InlineData(10.0, -9.0 / 14)]    // never reaches -1 at S_min: the printed denominator's known defect
    [InlineData(33.0, 0.5)]          // positive branch is unaffected
    public void Paper_literal_denominator_uses_mu_gt_minus_margin(double score, double expected)
    {
        var f = Function(configure: s => s.HallucinationDenominator = HallucinationDenominator.PaperLiteral);
        Assert.Equal(14, f.Thresholds.NegativeDenominator, Tolerance);
        Assert.Equal(expected, f.Reward(score), Tolerance);
    }

    [Theory]
    [InlineData(33.0, 7.0 / 74)]     // (33 - 26) / (100 - 26)
    [InlineData(16.0, -3.0 / 19)]    // (16 - 19) / (19 - 0)
    [InlineData(22.0, 0.0)]
    public void Explicit_bounds_replace_calibration_min_and_max(double score, double expected)
    {
        var f = Function(configure: s =>
        {
            s.ScoreBounds = ScoreBoundsSource.Explicit;
            s.SMin = 0;
            s.SMax = 100;
        });
        Assert.Equal(expected, f.Reward(score), Tolerance);
    }

    [Fact]
    public void Zero_margin_uses_the_calibration_means_as_thresholds()
    {
        var f = Function(margin: 0);
        Assert.Equal(0.0, f.Reward(25));
        Assert.Equal(0.0, f.Reward(20));
        Assert.Equal(0.5, f.Reward(32.5), Tolerance);      // (32.5 - 25) / 15
        Assert.Equal(-0.5, f.Reward(15), Tolerance);       // (15 - 20) / 10
    }

    [Theory]
    [InlineData(26.0, 30.0)]   // S_max equal to the upper threshold: denominator 0
    [InlineData(20.0, 30.0)]   // S_max below the upper threshold: denominator < 0
    public void Positive_branch_saturates_at_one_when_s_max_is_not_above_the_threshold(double sMax, double score)
    {
        var f = Function(configure: s =>
        {
            s.ScoreBounds = ScoreBoundsSource.Explicit;
            s.SMin = 0;
            s.SMax = sMax;
            s.ClipToUnitRange = false;
        });
        Assert.True(f.Thresholds.PositiveDenominator <= 0);
        Assert.Equal(1.0, f.Reward(score));
    }

    [Theory]
    [InlineData(19.0, 15.0)]   // S_min equal to the lower threshold
    [InlineData(22.0, 15.0)]   // S_min above it
    public void Negative_branch_saturates_at_minus_one_when_s_min_is_not_below_the_threshold(double sMin, double score)
    {
        var f = Function(configure: s =>
        {
            s.ScoreBounds = ScoreBoundsSource.Explicit;
            s.SMin = sMin;
            s.SMax = 100;
            s.ClipToUnitRange = false;
        });
        Assert.True(f.Thresholds.NegativeDenominator <= 0);
        Assert.Equal(-1.0, f.Reward(score));
    }

    [Fact]
    public void Equal_means_with_zero_margin_split_at_the_common_mean()
    {
        var f = Function(margin: 0, calibration: Calibration(muGt: 22, muHal: 22));
        Assert.Equal(0.0, f.Reward(22));
        Assert.Equal(1.0 / 18, f.Reward(23), Tolerance);   // (23 - 22) / (40 - 22)
        Assert.Equal(-1.0 / 12, f.Reward(21), Tolerance);  // (21 - 22) / (22 - 10)
    }

    [Fact]
    public void Inverted_calibration_with_mu_hal_above_mu_gt_is_refused()
    {
        var e = Assert.Throws<InvalidCalibrationException>(() => Function(calibration: Calibration(muGt: 20, muHal: 25)));
        Assert.Contains("mu_hal (25) > mu_gt (20)", e.Message);
    }

    [Fact]
    public void Calibration_made_with_another_template_is_refused()
    {
        var e = Assert.Throws<InvalidCalibrationException>(() => Function(calibration: Calibration(template: "a photo of a {}")));
        Assert.Contains("a photo of a {}", e.Message);
    }

    [Fact]
    public void Calibration_with_the_same_template_is_accepted()
    {
        var f = Function(configure: s => s.MentionTemplate = "a photo of a {}", calibration: Calibration(template: "a photo of a {}"));
        Assert.Equal(0.5, f.Reward(33), Tolerance);
    }

    [Fact]
    public void Inconsistent_calibration_is_refused_with_its_errors()
    {
        var e = Assert.Throws<InvalidCalibrationException>(() => Function(calibration: Calibration(sMin: 50, sMax: 40)));
        Assert.Contains("s_min (50) > s_max (40)", e.Message);
    }

    [Fact]
    public void Invalid_settings_are_refused()
    {
        Assert.Throws<InvalidRewardSettingsException>(() => Function(margin: -1));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Non_finite_score_is_an_error(double score)
    {
        var e = Assert.Throws<ArgumentException>(() => Function().Reward(score));
        Assert.Contains("finite", e.Message);
    }

    [Fact]
    public void Settings_are_copied_so_later_changes_do_not_affect_the_function()
    {
        var settings = Settings();
        var f = new RewardFunction(settings, Calibration());
        settings.Margin = 5;
        Assert.Equal(26, f.Thresholds.Upper);
        Assert.Equal(1, f.Settings.Margin);
    }

    [Fact]
    public void Rewards_stay_in_unit_range_and_are_monotone_in_the_score()
    {
        var f = Function();
        var previous = double.NegativeInfinity;
        for (var s = -50.0; s <= 100.0; s += 0.25)
        {
            var r = f.Reward(s);
            Assert.InRange(r, -1.0, 1.0);
            Assert.True(r >= previous, $"reward decreased at S = {s}");
            previous = r;
        }
    }
}
