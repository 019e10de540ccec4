using System.Reflection;

namespace FiSAO.Rewards.Tests;

public class RewardSettingsTests
{
    [Fact]
    public void Defaults_are_valid_and_documented_values()
    {
        var s = new RewardSettings();
        Assert.Empty(s.Validate());
        Assert.Equal(0.0, s.Margin);
        Assert.Equal(RewardPlacement.Last, s.Placement);
        Assert.Equal("{}", s.MentionTemplate);
        Assert.Equal(HallucinationDenominator.MuHalMinusMargin, s.HallucinationDenominator);
        Assert.Equal(ScoreBoundsSource.Calibration, s.ScoreBounds);
        Assert.Null(s.SMin);
        Assert.Null(s.SMax);
        Assert.True(s.ClipToUnitRange);
    }

    [Fact]
    public void Every_property_has_a_public_setter_for_configuration_binding()
    {
        foreach (var property in typeof(RewardSettings).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            Assert.True(property.SetMethod?.IsPublic == true, $"{property.Name} has no public setter");
        }
    }

    [Theory]
    [InlineData(-0.5, "must be >= 0")]
    [InlineData(double.NaN, "finite")]
    [InlineData(double.PositiveInfinity, "finite")]
    public void Margin_must_be_finite_and_not_negative(double margin, string expected)
    {
        var error = Assert.Single(new RewardSettings { Margin = margin }.Validate());
        Assert.Contains("Rewards:Margin", error);
        Assert.Contains(expected, error);
    }

    [Theory]
    [InlineData("a photo of a dog", 0)]
    [InlineData("{} and {}", 2)]
    [InlineData("a photo of a {0}", 0)]
    [InlineData("", 0)]
    public void Mention_template_must_contain_the_placeholder_exactly_once(string template, int found)
    {
        var error = Assert.Single(new RewardSettings { MentionTemplate = template }.Validate());
        Assert.Contains($"contains it {found} time(s)", error);
    }

    [Fact]
    public void Null_mention_template_is_invalid()
    {
        Assert.Contains("MentionTemplate must be set", Assert.Single(new RewardSettings { MentionTemplate = null! }.Validate()));
    }

    [Fact]
    public void Mention_template_is_filled_with_the_entity_word()
    {
        Assert.Equal("a photo of a traffic light.", new RewardSettings { MentionTemplate = "a photo of a {}." }.FormatMention("traffic light"));
        Assert.Equal("dog", new RewardSettings().FormatMention("dog"));
        Assert.Throws<ArgumentException>(() => RewardSettings.FormatMention("no placeholder", "dog"));
    }

    [Fact]
    public void Explicit_bounds_must_both_be_set()
    {
        var error = Assert.Single(new RewardSettings { ScoreBounds = ScoreBoundsSource.Explicit, SMin = 0 }.Validate());
        Assert.Contains("both Rewards:SMin and Rewards:SMax", error);
    }

    [Theory]
    [InlineData(40.0, 10.0)]
    [InlineData(10.0, 10.0)]
    public void Explicit_bounds_must_be_ordered(double sMin, double sMax)
    {
        var error = Assert.Single(new RewardSettings { ScoreBounds = ScoreBoundsSource.Explicit, SMin = sMin, SMax = sMax }.Validate());
        Assert.Contains("SMin must be < Rewards:SMax", error);
    }

    [Fact]
    public void Explicit_bounds_must_be_finite()
    {
        var error = Assert.Single(new RewardSettings { ScoreBounds = ScoreBoundsSource.Explicit, SMin = double.NegativeInfinity, SMax = 1 }.Validate());
        Assert.Contains("finite", error);
    }

    [Fact]
    public void Bounds_set_without_explicit_source_are_reported_as_ignored()
    {
        var error = Assert.Single(new RewardSettings { SMax = 40 }.Validate());
        Assert.Contains("would be ignored", error);
    }

    [Fact]
    public void Undefined_enum_values_are_invalid()
    {
        var errors = new RewardSettings
        {
            Placement = (RewardPlacement)7,
            HallucinationDenominator = (HallucinationDenominator)7,
            ScoreBounds = (ScoreBoundsSource)7,
        }.Validate();
        Assert.Equal(3, errors.Count);
    }

    [Fact]
    public void Throw_if_invalid_lists_every_error()
    {
        var e = Assert.Throws<InvalidRewardSettingsException>(() => new RewardSettings { Margin = -1, MentionTemplate = "x" }.ThrowIfInvalid());
        Assert.Equal(2, e.Errors.Count);
        Assert.Contains("Margin", e.Message);
        Assert.Contains("MentionTemplate", e.Message);
    }
}
