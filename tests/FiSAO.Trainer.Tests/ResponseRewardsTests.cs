using FiSAO.Trainer.Rewards;

namespace FiSAO.Trainer.Tests;

public sealed class ResponseRewardsTests
{
    [Fact]
    public void Hallucinated_counts_the_verifiers_verdicts_not_the_sign_of_the_reward()
    {
        var rewards = new ResponseRewards(new float[4],
        [
            new MentionReward("cat", 20f, 0f, false, MentionVerdict.Hallucinated, 0, 1),   // a verdict whose reward was zeroed
            new MentionReward("dog", 25f, -0.1f, true, MentionVerdict.Neutral, 1, 2),      // a negative reward without the verdict
            new MentionReward("mat", 31f, 0.5f, true, MentionVerdict.Correct, 2, 3),
            new MentionReward("cow", 18f, -0.7f, false, MentionVerdict.Hallucinated, 3, 4),
        ]);
        Assert.Equal(2, rewards.Hallucinated);
    }
}
