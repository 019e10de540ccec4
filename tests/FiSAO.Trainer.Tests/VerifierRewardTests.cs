using FiSAO.Client.Testing;
using FiSAO.Models.Imaging;
using FiSAO.Models.Llava;
using FiSAO.Models.Lora;
using FiSAO.Models.Torch;
using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Rewards;
using FiSAO.Trainer.Rollouts;
using FiSAO.Trainer.Tests.Support;
using FiSAO.Trainer.Training;
using Xunit.Abstractions;

namespace FiSAO.Trainer.Tests;

/// <summary>PPO steps against a real verifier process over gRPC on loopback (the tiny random CLIP, built-in entity set).</summary>
public sealed class VerifierRewardTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Rollouts_are_scored_by_a_real_verifier_and_a_verifier_restart_costs_a_retry_not_the_step()
    {
        await using var verifier = await TinyVerifierModel.StartVerifierAsync();
        var config = TestConfigs.Toy(TestDirectories.New("verifier"), steps: 2) with { };
        config = config with
        {
            Reward = new RewardSettings { Source = "verifier", VerifierAddresses = [verifier.Address], TotalTimeoutSeconds = 120 },
            Generation = new GenerationSettings { MaxNewTokens = 12 },
        };
        using var policy = LlavaPolicy.Load(TinyPolicy.Directory, TorchTarget.Cpu(), new LoraConfig { Rank = 4, Alpha = 8 });
        using var rewards = new VerifierReward(config.Reward);
        using var trainer = new FiSAOTrainer(config, policy, ClipImageProcessor.FromDirectory(TinyPolicy.Directory),
            PromptSources.Create(config.Data), rewards);

        var first = trainer.Step();
        output.WriteLine($"step 1: {first.Mentions} mentions, reward {first.RewardMean}");
        // The tiny policy's words include "dog", "cat" and "mat": the verifier's entity matcher finds them in the pieces.
        Assert.True(first.Mentions > 0, "the verifier found no object mentions in 8 responses");
        Assert.Equal(0, rewards.FailedItems);

        // The verifier dies (SIGKILL) and comes back on the same port a moment later, while the step's scoring call waits.
        await verifier.KillAsync();
        var restart = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            await verifier.StartAsync();
        });
        var second = await Task.Run(trainer.Step);
        await restart;
        output.WriteLine($"step 2 after a restart: {second.Mentions} mentions, {second.Seconds:F1} s");
        Assert.Equal(2, second.Step);
        Assert.Equal(2, trainer.StepsDone);
        Assert.True(second.Mentions > 0);
        Assert.Equal(0, rewards.FailedItems);
    }
}
