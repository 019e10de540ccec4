using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Ppo;
using FiSAO.Trainer.Rewards;
using static TorchSharp.torch;

namespace FiSAO.Trainer.Tests;

public sealed class KlPlacementTests
{
    [Fact]
    public void Entities_mark_the_tokens_of_each_mention_span_and_all_marks_every_response_token()
    {
        // Row 0 (5 tokens): "a big dog on mat", mentions "big dog" [1, 3) and "mat" [4, 5) -> [0, 1, 1, 0, 1].
        // Row 1 (2 tokens, 3 padding): no mention -> zeros; a span reaching into padding would be cut by the mask.
        var scored = new List<ResponseRewards>
        {
            new(new float[5], [new MentionReward("dog", 30f, 0.5f, true, MentionVerdict.Correct, 1, 3), new MentionReward("mat", 20f, -0.4f, false, MentionVerdict.Hallucinated, 4, 5)]),
            new(new float[2], [new MentionReward("cat", 25f, 0f, true, MentionVerdict.Neutral, 1, 4)]),
        };
        using var mask = tensor(new float[] { 1, 1, 1, 1, 1, 1, 1, 0, 0, 0 }, [2, 5]);
        using var entities = KlPlacement.Mask(KlTokens.Entities, scored, mask);
        Assert.Equal([0f, 1f, 1f, 0f, 1f, 0f, 1f, 0f, 0f, 0f], entities.data<float>().ToArray());
        using var all = KlPlacement.Mask(KlTokens.All, scored, mask);
        Assert.Equal(mask.data<float>().ToArray(), all.data<float>().ToArray());

        // R = r - xi KL on the placed tokens, xi = 0.5, KL = 0.2 everywhere, r = 1 on the mentions' last tokens (2, 4):
        //   entities: [0, -0.1, 0.9, 0, 0.9 | 0, -0.1, pad 0, 0, 0];  all: every real token loses 0.1.
        using var r = tensor(new float[] { 0, 0, 1, 0, 1, 0, 0, 0, 0, 0 }, [2, 5]);
        using var kl = tensor(Enumerable.Repeat(0.2f, 10).ToArray(), [2, 5]);
        var ppo = new PpoSettings { Xi = 0.5, KlTokens = KlTokens.Entities };
        using var onEntities = KlPlacement.PenalisedRewards(r, kl, scored, mask, ppo);
        Close([0f, -0.1f, 0.9f, 0f, 0.9f, 0f, -0.1f, 0f, 0f, 0f], onEntities);
        using var onAll = KlPlacement.PenalisedRewards(r, kl, scored, mask, ppo with { KlTokens = KlTokens.All });
        Close([-0.1f, -0.1f, 0.9f, -0.1f, 0.9f, -0.1f, -0.1f, 0f, 0f, 0f], onAll);
    }

    private static void Close(float[] expected, Tensor actual)
    {
        var values = actual.data<float>().ToArray();
        for (var i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - values[i]) < 1e-6, $"[{i}]: expected {expected[i]}, got {values[i]}");
    }
}
