using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Demo;
using FiSAO.Trainer.Evaluation;

namespace FiSAO.Trainer.Tests;

/// <summary>The pre-registered validation criterion of the Table 4 grids, the grids themselves and the seed spread.</summary>
public sealed class Table4SelectionTests
{
    private static ShapesScores Greedy(double chairI, double recall, double distinct = 0.2) => new() { ChairI = chairI, Recall = recall, ChairIDistinct = distinct };

    [Fact]
    public void The_lowest_CHAIR_i_wins_among_settings_that_keep_90_percent_of_the_warm_up_recall()
    {
        // Warm-up recall 0.60: the floor is 0.54. "a" has the lowest CHAIR_i but names too few objects.
        var chosen = ValidationSelection.Select<string>([("a", Greedy(0.05, 0.50)), ("b", Greedy(0.12, 0.55)), ("c", Greedy(0.10, 0.54)), ("d", Greedy(0.20, 0.70))], 0.60);
        Assert.Equal("c", chosen);
    }

    [Fact]
    public void Equal_CHAIR_i_goes_to_the_lower_distinct_CHAIR_i_then_to_grid_order()
    {
        Assert.Equal("b", ValidationSelection.Select<string>([("a", Greedy(0.10, 0.6, 0.3)), ("b", Greedy(0.10, 0.6, 0.2)), ("c", Greedy(0.10, 0.6, 0.2))], 0.6));
    }

    [Fact]
    public void Without_a_setting_above_the_floor_the_highest_recall_wins()
    {
        Assert.Equal("b", ValidationSelection.Select<string>([("a", Greedy(0.01, 0.30)), ("b", Greedy(0.30, 0.40)), ("c", Greedy(0.02, 0.35))], 0.60));
    }

    [Fact]
    public void PPO_arms_search_xi_by_learning_rate_and_the_SFT_arm_the_learning_rates()
    {
        var token = Table4Arm.Named("token").Grid([0.005, 0.01, 0.02], [5e-4, 1e-3]);
        Assert.Equal(6, token.Count);
        Assert.Equal(["ppo.xi=0.005", "ppo.learning_rate=0.0005"], token[0].Overrides);
        Assert.Equal("xi-0.02_lr-0.001", token[^1].Folder);
        var sft = Table4Arm.Named("best-of-8-sft").Grid([0.005, 0.01, 0.02], [5e-4, 1e-3]);
        Assert.Equal([new Table4Setting(null, 5e-4), new Table4Setting(null, 1e-3)], sft);
        Assert.Throws<ArgumentException>(() => Table4Arm.Named("sentense"));
    }

    [Fact]
    public void Seed_spread_is_the_mean_and_the_sample_standard_deviation()
    {
        var s = SeedSpread.Of([0.10, 0.12, 0.14]);
        Assert.Equal(0.12, s.Mean, 10);
        Assert.Equal(0.02, s.StandardDeviation, 10);
        Assert.Equal("12.0 ± 2.0", s.Format(percent: true));
        Assert.Equal(0, SeedSpread.Of([3.0]).StandardDeviation);
    }
}

/// <summary>Each Table 4 arm's settings on the demo's PPO config: what the arm claims to train.</summary>
public sealed class Table4ArmConfigTests
{
    [Theory]
    [InlineData("sentence", "sentence", "return")]
    [InlineData("token", "token", "token-reward")]
    [InlineData("token-return", "token", "return")]
    [InlineData("best-of-8-sft", "token", "token-reward")]
    public void An_arm_sets_its_reward_granularity_and_advantage_estimator_and_the_grid_its_xi_and_rate(string arm, string mode, string estimator)
    {
        var a = Table4Arm.Named(arm);
        var setting = a.Grid([0.02], [5e-4])[0];
        var config = ShapesDemo.PpoConfig("policy", "http://127.0.0.1:1", "coco", "entities.txt", "out", steps: 7, threads: 1,
            [.. a.Overrides, .. setting.Overrides, "run.seed=12"]);
        Assert.Equal(mode, config.Reward.Mode.Name());
        Assert.Equal(estimator, config.Ppo.AdvantageMode.Name());
        Assert.Equal(1.0, config.Ppo.Gamma);
        Assert.Equal(5e-4, config.Ppo.LearningRate);
        Assert.Equal(a.Kind == Table4ArmKind.Ppo ? 0.02 : 0.01, config.Ppo.Xi);
        Assert.Equal(12, config.Run.Seed);
        Assert.Equal(7, config.Run.Steps);
        Assert.False(config.Ppo.Whiten);
    }
}
