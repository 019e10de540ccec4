using FiSAO.Trainer.Configuration;
using Xunit.Abstractions;
using FiSAO.Models.Llava;
using FiSAO.Models.Torch;
using FiSAO.Trainer.Tests.Support;
using FiSAO.Trainer.Training;
using TorchSharp;

namespace FiSAO.Trainer.Tests;

/// <summary>PPO on the tiny random policy against a fixed toy reward (+1 per "▁dog" token): the reward must go up.</summary>
public sealed class ToyRewardTrainingTests(ITestOutputHelper output)
{
    /// <summary>Mean "▁dog" tokens per response over 32 responses sampled with fixed seeds from the adapters in <paramref name="adapters"/> (or the base model).</summary>
    private static double DogsPerResponse(string? adapters)
    {
        using var policy = LlavaPolicy.Load(TinyPolicy.Directory, TorchTarget.Cpu(), adapterDirectory: adapters);
        var images = FiSAO.Models.Imaging.ClipImageProcessor.FromDirectory(TinyPolicy.Directory);
        var source = new Rollouts.ShapesPromptSource(5, 16, "Describe this image.");
        var samples = Enumerable.Range(0, 32).Select(i => source.Get(i % 16)).ToList();
        using var scope = torch.NewDisposeScope();
        var features = policy.ImageFeatures(images.Preprocess([.. samples.Select(s => (ReadOnlyMemory<byte>)s.Image)]));
        var prompts = PromptBatch.LeftPadded(samples.Select(s => policy.EncodePrompt(s.Prompt)), policy.Tokenizer.PadId!.Value);
        var result = policy.GenerateFromFeatures(prompts, features, new GenerationOptions { MaxNewTokens = 8, Seed = 424242 });
        return result.Sequences.Average(s => s.Pieces!.Count(p => p == "▁dog"));
    }

    [Theory]
    [InlineData(AdvantageMode.TokenReward)]
    [InlineData(AdvantageMode.Gae)]
    [InlineData(AdvantageMode.Return)]
    public void A_few_PPO_steps_raise_the_mean_reward_of_a_fixed_toy_reward(AdvantageMode mode)
    {
        var directory = TestDirectories.New($"toy-{mode}");
        var config = TestConfigs.Toy(directory, steps: 12, advantageMode: mode);
        var result = TrainingRun.Run(config, resume: false);

        Assert.Equal(12, result.StepsDone);
        var before = DogsPerResponse(null);
        var after = DogsPerResponse(Path.Combine(directory, TrainingRun.FinalAdaptersFolder));
        output.WriteLine($"{mode}: '▁dog' per response {before:F3} before, {after:F3} after; step rewards {string.Join(", ", result.Steps.Select(s => s.RewardMean.ToString("F2")))}");
        // Measured on the trained adapters with the same 32 sampling seeds: the rewarded token became more frequent.
        Assert.True(after > before + 0.25 && after > 3 * before, $"{mode}: '▁dog' per response {before:F3} before, {after:F3} after; training rewards {string.Join(", ", result.Steps.Select(s => s.RewardMean.ToString("F2")))}");
        Assert.True(result.Steps.TakeLast(2).Average(s => s.RewardMean) > result.Steps.Take(2).Average(s => s.RewardMean));
        if (mode == AdvantageMode.Gae) Assert.All(result.Steps, s => Assert.True(s.ValueLoss > 0));
        Assert.All(result.Steps, s => Assert.True(s.Updates == 4 && s.Entropy > 0));
    }
}
