using System.Text.Json.Nodes;
using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Rewards;
using FiSAO.Verifier.V1;

namespace FiSAO.Trainer.Tests;

/// <summary>reward.repeated_mentions = first: naming a correct object again earns nothing; a repeated hallucination is still penalised.</summary>
public sealed class RepeatedMentionTests
{
    private static EntityMention Mention(string entity, int start, int end) => new() { Entity = entity, TokenStart = start, TokenEnd = end };

    [Fact]
    public void Later_mentions_of_an_object_lose_their_positive_reward_but_keep_a_negative_one()
    {
        // ▁a ▁ball , ▁a ▁star , ▁a ▁ball , ▁a ▁star ▁and ▁a ▁traffic ▁cone ▁and ▁a ▁traffic ▁cone
        var rewards = new float[] { 0, 0.8f, 0, 0, -0.5f, 0, 0, 0.7f, 0, 0, -0.4f, 0, 0, 0.2f, 0.3f, 0, 0, 0.1f, 0.6f };
        var mentions = new[]
        {
            Mention("ball", 1, 2), Mention("star", 4, 5), Mention("ball", 7, 8), Mention("star", 10, 11),
            Mention("traffic cone", 13, 15), Mention("traffic cone", 17, 19),
        };
        VerifierReward.WithoutRepeatBonus(rewards, mentions);
        Assert.Equal(new float[] { 0, 0.8f, 0, 0, -0.5f, 0, 0, 0, 0, 0, -0.4f, 0, 0, 0.2f, 0.3f, 0, 0, 0, 0 }, rewards);
    }

    [Fact]
    public void Repeated_mentions_setting_defaults_to_the_papers_every_and_refuses_other_values()
    {
        var config = JsonNode.Parse("""
            { "policy": { "model": "/m" }, "data": { "kind": "shapes" }, "reward": { "verifier_addresses": ["http://127.0.0.1:5000"] }, "run": { "output_dir": "/r" } }
            """)!.AsObject();
        Assert.Equal(RepeatedMentions.Every, TrainerConfigLoader.Parse(config).Reward.RepeatedMentions);
        Assert.Equal(RepeatedMentions.First, TrainerConfigLoader.Parse(config, ["reward.repeated_mentions=first"]).Reward.RepeatedMentions);
        var e = Assert.Throws<TrainerConfigException>(() => TrainerConfigLoader.Parse(config, ["reward.repeated_mentions=once"]));
        Assert.Contains("reward.repeated_mentions", e.Message);
    }
}
