using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Tests.Support;
using FiSAO.Trainer.Training;

namespace FiSAO.Trainer.Tests;

/// <summary>
/// pi_old comes from the mode the update runs in (issue 13): with LoRA dropout on, the first minibatch of every step sees
/// rho = 1 exactly. One minibatch per step and one epoch, so each step's metrics are its first minibatch's.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public sealed class PiOldRatioTests
{
    private static TrainerConfig Config(bool disableDropout)
    {
        var toy = TestConfigs.Toy(TestDirectories.New($"pi-old-{disableDropout}"), steps: 3);
        return toy with
        {
            Lora = toy.Lora with { Dropout = 0.5 },
            Ppo = toy.Ppo with { PpoEpochs = 1, MinibatchSize = 8, LearningRate = 0.05, DisableDropout = disableDropout },
        };
    }

    [Fact]
    public void With_lora_dropout_the_first_minibatch_ratio_is_exactly_1_and_nothing_is_clipped()
    {
        var result = TrainingRun.Run(Config(disableDropout: true), resume: false);
        // Steps 2 and 3 start from trained adapters (lora_B != 0), where dropout would change the forward.
        Assert.All(result.Steps, s =>
        {
            Assert.Equal(1, s.Updates);
            Assert.Equal(0.0, s.ClipFraction);
            Assert.Equal(0.0, s.ApproxKl);                      // mean((rho - 1) - log rho): 0 only where rho is 1
        });
    }

    [Fact]
    public void Without_the_fix_dropout_makes_the_first_ratio_differ_from_1()
    {
        // The behaviour before issue 13 (pi_old from sampling in eval mode, the update in train mode with dropout):
        // the ratio of its very first minibatch is off 1 once the adapters are non-zero.
        var result = TrainingRun.Run(Config(disableDropout: false), resume: false);
        Assert.All(result.Steps.Skip(1), s => Assert.True(s.ApproxKl > 1e-5, $"clip fraction {s.ClipFraction}, approx KL {s.ApproxKl}"));
    }
}
