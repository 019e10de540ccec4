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
            Reward = new RewardSettings { Source = RewardSourceKind.Verifier, VerifierAddresses = [verifier.Address], TotalTimeoutSeconds = 120 },
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

    [Fact]
    public async Task Calibrating_on_policy_responses_sends_their_ground_truth_and_applies_the_eq7_baselines()
    {
        await using var verifier = await TinyVerifierModel.StartVerifierAsync();
        using var rewards = new VerifierReward(new RewardSettings { VerifierAddresses = [verifier.Address] });
        var scenes = new FiSAO.ShapesWorld.Scenes.SceneGenerator(11).Generate(0, 6);
        string[] pieces = ["\u2581a", "\u2581dog", "\u2581and", "\u2581a", "\u2581cat", "."];
        var responses = scenes.Select(_ => new GeneratedSequence([1, 2, 3, 4, 5, 6], pieces, new float[6], FinishReason.Eos, "a dog and a cat.")).ToList();
        List<PromptSample> Samples(string truth) => [.. scenes.Select((s, i) => new PromptSample(i, s.ToPng(), "Describe this image.", [truth]))];

        // Every response names a dog and a cat; the ground truth says which one is there. Without apply: the baselines only.
        var dog = await rewards.CalibrateAsync(Samples("dog"), responses, apply: false);
        Assert.False(dog.Applied);
        Assert.Equal(6, dog.Calibration.CorrectCount);
        Assert.Equal(6, dog.Calibration.HallucinatedCount);
        var cat = await rewards.CalibrateAsync(Samples("cat"), responses, apply: false);
        // Swapping the ground truth swaps the two means: mu_gt is the mean S of the objects that are there.
        Assert.Equal(dog.Calibration.MuGt, cat.Calibration.MuHal, 4);
        Assert.Equal(dog.Calibration.MuHal, cat.Calibration.MuGt, 4);

        // The random tiny CLIP prefers one of the two words; calling that one present gives mu_gt > mu_hal, which applies.
        var present = dog.Calibration.MuGt > dog.Calibration.MuHal ? "dog" : "cat";
        var applied = await rewards.CalibrateAsync(Samples(present), responses, apply: true);
        Assert.True(applied.Applied, applied.NotAppliedReason);
        using var client = new FiSAO.Client.FiSAOVerifierClient(new FiSAO.Client.FiSAOClientOptions { Addresses = [verifier.Address] });
        var info = await client.GetInfoAsync();
        Assert.True(info.Calibrated);
        Assert.Equal(applied.Calibration.MuGt, info.Calibration.MuGt, 6);
        Assert.Equal(applied.Calibration.MuHal, info.Calibration.MuHal, 6);
    }
}
