using System.Text.Json;
using FiSAO.Models.Llava;
using FiSAO.Models.Torch;
using FiSAO.Trainer.Rewards;
using FiSAO.Trainer.Tests.Support;
using FiSAO.Trainer.Training;
using TorchSharp;
using Xunit.Abstractions;

namespace FiSAO.Trainer.Tests;

/// <summary>The Table 4 row "token rewards without PPO": best-of-n under the token rewards, then a LoRA SFT on the kept responses.</summary>
[Collection(GlobalRngCollection.Name)]
public sealed class BestOfNSftTests(ITestOutputHelper output)
{
    [Fact]
    public void The_best_response_is_the_one_with_the_largest_summed_reward_and_the_first_among_equals()
    {
        Assert.Equal(2, BestOfNSft.SelectBest([0.5, -1, 2.25, 1]));
        Assert.Equal(1, BestOfNSft.SelectBest([-3, 0.5, 0.5]));
        Assert.Throws<ArgumentException>(() => BestOfNSft.SelectBest([]));
    }

    [Fact]
    public void Fine_tuning_on_the_best_of_n_under_a_toy_token_reward_makes_the_rewarded_token_more_frequent()
    {
        var directory = TestDirectories.New("best-of-n");
        // 2 x 8 prompts, 4 samples each; 2 epochs in minibatches of 4: 8 SFT updates.
        var config = TestConfigs.Toy(directory, steps: 2);
        using var reward = new ToyTokenReward("▁dog", 1);
        var result = BestOfNSft.Run(config, n: 4, reward, line => output.WriteLine(line));

        Assert.Equal(16, result.Prompts);
        Assert.Equal(8, result.Updates);
        var pool = File.ReadLines(Path.Combine(directory, BestOfNSft.PoolFileName)).Select(l => JsonSerializer.Deserialize<BestOfNChoice>(l)!).ToList();
        Assert.Equal(16, pool.Count);
        Assert.All(pool, c => Assert.Equal(c.CandidateRewards.Max(), c.Reward));
        Assert.All(pool, c => Assert.Equal(c.Reward, c.TokenIds.Count(id => id == DogId())));
        Assert.True(result.MeanSelectedReward > result.MeanCandidateReward, $"selected {result.MeanSelectedReward}, candidates {result.MeanCandidateReward}");

        var before = DogsPerResponse(null);
        var after = DogsPerResponse(Path.Combine(directory, TrainingRun.FinalAdaptersFolder));
        output.WriteLine($"'▁dog' per response {before:F3} before, {after:F3} after; kept responses {result.MeanSelectedReward:F3}");
        Assert.True(after > before + 0.25, $"'▁dog' per response {before:F3} before, {after:F3} after");
    }

    private static int DogId()
    {
        using var policy = LlavaPolicy.Load(TinyPolicy.Directory, TorchTarget.Cpu());
        return policy.Tokenizer.Encode("dog", addBos: false).Single();
    }

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
}
