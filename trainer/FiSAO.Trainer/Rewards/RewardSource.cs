using FiSAO.Models.Llava;
using FiSAO.Trainer.Rollouts;

namespace FiSAO.Trainer.Rewards;

/// <summary>The verifier's verdict on one mention (Eq. 8's branches): supported, hallucinated, or between the thresholds.</summary>
public enum MentionVerdict
{
    Neutral,
    Correct,
    Hallucinated,
}

/// <summary>
/// One scored object mention of a response: its canonical entity, CLIP score S, token reward, verdict and its response
/// tokens [TokenStart, TokenEnd) (where <c>ppo.kl_tokens = entities</c> puts the KL term).
/// </summary>
public sealed record MentionReward(string Entity, float Score, float Reward, bool InImage, MentionVerdict Verdict, int TokenStart, int TokenEnd);

/// <summary>
/// The rewards of one response: r_t per generated token (METHOD.md 4) and its object mentions. A mention the verifier
/// judged hallucinated counts as one in the step metrics (its verdict, not the sign of a reward that
/// <c>reward.repeated_mentions</c> or the sentence mode may have changed).
/// </summary>
public sealed record ResponseRewards(float[] TokenRewards, IReadOnlyList<MentionReward> Mentions)
{
    public int Hallucinated => Mentions.Count(m => m.Verdict == MentionVerdict.Hallucinated);
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
            // The toy's own verdict: a positive value marks a wanted token, a negative one an unwanted one.
            var mentions = rewards.Select((x, t) => (Reward: x, Token: t)).Where(m => m.Reward != 0)
                .Select(m => new MentionReward(piece, m.Reward, m.Reward, true, m.Reward > 0 ? MentionVerdict.Correct : MentionVerdict.Hallucinated, m.Token, m.Token + 1))
                .ToList();
            return new ResponseRewards(rewards, mentions);
        })];

    public void Dispose() { }
}
