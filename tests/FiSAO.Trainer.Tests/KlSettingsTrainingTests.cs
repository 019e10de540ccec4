using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Tests.Support;
using FiSAO.Trainer.Training;

namespace FiSAO.Trainer.Tests;

/// <summary>Every KL estimator and placement through the real trainer (rollout pass, rewards, update) on the tiny policy.</summary>
public sealed class KlSettingsTrainingTests
{
    [Theory]
    [InlineData(KlEstimator.K3, KlTokens.All, true)]
    [InlineData(KlEstimator.Full, KlTokens.All, true)]
    [InlineData(KlEstimator.Full, KlTokens.Entities, false)]
    [InlineData(KlEstimator.K1, KlTokens.Entities, true)]
    public void A_run_with_each_kl_setting_trains_and_its_kl_penalty_has_the_estimators_sign(KlEstimator estimator, KlTokens tokens, bool disableDropout)
    {
        var toy = TestConfigs.Toy(TestDirectories.New($"kl-{estimator}-{tokens}"), steps: 3);
        var config = toy with { Ppo = toy.Ppo with { Xi = 1, KlEstimator = estimator, KlTokens = tokens, DisableDropout = disableDropout, MicroBatchSize = 3 } };
        var result = TrainingRun.Run(config, resume: false);

        Assert.Equal(3, result.StepsDone);
        // Fresh adapters (lora_B = 0): pi_theta = pi_ref, so step 1's penalty is 0 with pi_old from the same forward.
        if (disableDropout) Assert.Equal(result.Steps[0].RewardMean, result.Steps[0].TotalRewardMean, 6);
        foreach (var s in result.Steps)
        {
            Assert.True(double.IsFinite(s.TotalRewardMean) && double.IsFinite(s.PolicyLoss), $"step {s.Step}");
            // k3 and full are non-negative per token: the penalty only lowers the reward.
            if (estimator != KlEstimator.K1) Assert.True(s.TotalRewardMean <= s.RewardMean + 1e-6, $"step {s.Step}: {s.TotalRewardMean} > {s.RewardMean}");
            // On entity tokens only: a step without mentions has no penalty at all.
            if (tokens == KlTokens.Entities && s.Mentions == 0) Assert.Equal(s.RewardMean, s.TotalRewardMean);
        }
    }
}
