namespace FiSAO.Rewards.Tests;

using static RewardTestData;

public class TokenRewardsTests
{
    // Six tokens; the mention "traffic light" spans tokens [1, 4) with score 33 -> reward 0.5.
    private static readonly ScoredMention TrafficLight = new(1, 4, 33);

    [Fact]
    public void Last_placement_puts_the_reward_on_the_token_completing_the_mention()
    {
        var rewards = Function().AssignToTokens(6, [TrafficLight]);
        Assert.Equal([0f, 0f, 0f, 0.5f, 0f, 0f], rewards);
    }

    [Fact]
    public void Default_placement_is_last()
    {
        Assert.Equal(RewardPlacement.Last, new RewardSettings().Placement);
    }

    [Fact]
    public void First_placement_puts_the_reward_on_the_first_token()
    {
        var rewards = Function(configure: s => s.Placement = RewardPlacement.First).AssignToTokens(6, [TrafficLight]);
        Assert.Equal([0f, 0.5f, 0f, 0f, 0f, 0f], rewards);
    }

    [Fact]
    public void All_placement_puts_the_full_reward_on_every_token_of_the_mention()
    {
        var rewards = Function(configure: s => s.Placement = RewardPlacement.All).AssignToTokens(6, [TrafficLight]);
        Assert.Equal([0f, 0.5f, 0.5f, 0.5f, 0f, 0f], rewards);
    }

    [Fact]
    public void Several_mentions_each_get_their_own_reward_and_other_tokens_stay_zero()
    {
        // "dog" at token 0 (S = 16 -> -1/3), "traffic light" [1, 4) -> 0.5, "cat" at 5 (S = 22 -> 0).
        var rewards = Function().AssignToTokens(6, [new(0, 1, 16), TrafficLight, new(5, 6, 22)]);
        Assert.Equal([(float)(-1.0 / 3), 0f, 0f, 0.5f, 0f, 0f], rewards);
    }

    [Fact]
    public void No_mentions_give_all_zero_rewards()
    {
        Assert.Equal(new float[4], Function().AssignToTokens(4, []));
        Assert.Empty(Function().AssignToTokens(0, []));
    }

    [Fact]
    public void Overlapping_mentions_keep_the_larger_magnitude_whatever_the_order()
    {
        MentionReward a = new(1, 4, 0.5), b = new(3, 5, -0.25);
        var forward = TokenRewards.Assign(6, [a, b], RewardPlacement.All);
        var backward = TokenRewards.Assign(6, [b, a], RewardPlacement.All);
        Assert.Equal([0f, 0.5f, 0.5f, 0.5f, -0.25f, 0f], forward);
        Assert.Equal(forward, backward);
    }

    [Fact]
    public void Overlapping_mentions_of_equal_magnitude_keep_the_negative_reward()
    {
        MentionReward a = new(2, 3, 0.5), b = new(2, 3, -0.5);
        Assert.Equal([0f, 0f, -0.5f], TokenRewards.Assign(3, [a, b], RewardPlacement.Last));
        Assert.Equal([0f, 0f, -0.5f], TokenRewards.Assign(3, [b, a], RewardPlacement.Last));
    }

    [Theory]
    [InlineData(-1, 2)]
    [InlineData(4, 7)]
    [InlineData(3, 3)]
    [InlineData(4, 2)]
    public void Span_outside_the_response_or_empty_is_rejected_with_its_index(int start, int end)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(
            () => TokenRewards.Assign(6, [new(0, 1, 0.1), new(start, end, 0.2)], RewardPlacement.Last));
        Assert.Contains("Mention #1", e.Message);
    }

    [Fact]
    public void Negative_token_count_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TokenRewards.Assign(-1, [], RewardPlacement.Last));
    }

    [Fact]
    public void Non_finite_reward_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => TokenRewards.Assign(3, [new(0, 1, double.NaN)], RewardPlacement.Last));
    }

    [Fact]
    public void Non_finite_mention_score_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Function().AssignToTokens(3, [new(0, 1, double.NaN)]));
        Assert.Contains("Mention #0", e.Message);
    }
}
