using FiSAO.Models.Llava;
using FiSAO.Trainer.Rollouts;

namespace FiSAO.Trainer.Rewards;

/// <summary>One scored object mention of a response: its canonical entity, CLIP score S and token reward.</summary>
public sealed record MentionReward(string Entity, float Score, float Reward, bool InImage);

/// <summary>
/// The rewards of one response: r_t per generated token (METHOD.md 4) and its object mentions. A mention with a negative
/// reward counts as hallucinated (the verifier's judgement), which the step metrics report.
/// </summary>
public sealed record ResponseRewards(float[] TokenRewards, IReadOnlyList<MentionReward> Mentions)
{
    public int Hallucinated => Mentions.Count(m => m.Reward < 0);
}

/// <summary>Scores a batch of rollouts.</summary>
public interface IRewardSource : IDisposable
{
    IReadOnlyList<ResponseRewards> Score(IReadOnlyList<PromptSample> samples, IReadOnlyList<GeneratedSequence> responses);
}

/// <summary>
/// A fixed toy reward: <c>value</c> on every token whose piece equals <c>piece</c>, 0 elsewhere. For checking that the
/// optimiser climbs a known reward (tests, smoke runs without a verifier); each rewarded token counts as a mention.
/// </summary>
public sealed class ToyTokenReward(string piece, double value) : IRewardSource
{
    public IReadOnlyList<ResponseRewards> Score(IReadOnlyList<PromptSample> samples, IReadOnlyList<GeneratedSequence> responses) =>
        [.. responses.Select(r =>
        {
            var pieces = r.Pieces ?? throw new InvalidOperationException("The generator returned no pieces.");
            var rewards = pieces.Select(p => p == piece ? (float)value : 0f).ToArray();
            var mentions = rewards.Where(x => x != 0).Select(x => new MentionReward(piece, x, x, true)).ToList();
            return new ResponseRewards(rewards, mentions);
        })];

    public void Dispose() { }
}
