namespace FiSAO.Rewards;

/// <summary>
/// An entity mention with its verifier score: tokens [<paramref name="TokenStart"/>, <paramref name="TokenEnd"/>)
/// of the response (end exclusive). The aligner's mentions carry the same TokenStart/TokenEnd pair.
/// </summary>
public readonly record struct ScoredMention(int TokenStart, int TokenEnd, double Score);

/// <summary>An entity mention's tokens [TokenStart, TokenEnd) and its Eq. 8 reward.</summary>
public readonly record struct MentionReward(int TokenStart, int TokenEnd, double Reward);

/// <summary>Places mention rewards on the response's tokens.</summary>
public static class TokenRewards
{
    /// <summary>
    /// A <c>float[tokenCount]</c> that is 0 everywhere except on the token(s) of each mention chosen by
    /// <paramref name="placement"/> (last, first, or all tokens; All puts the full reward on each token).
    /// Overlapping mentions should not reach here (the aligner does not produce them); if two mentions put a
    /// reward on the same token, the token keeps the reward of larger magnitude, and of two equal magnitudes
    /// the negative one. The result does not depend on the order of <paramref name="mentions"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">tokenCount &lt; 0, or a span is empty or outside [0, tokenCount).</exception>
    /// <exception cref="ArgumentException">A reward is NaN or infinite.</exception>
    public static float[] Assign(int tokenCount, IReadOnlyList<MentionReward> mentions, RewardPlacement placement)
    {
        ArgumentNullException.ThrowIfNull(mentions);
        if (tokenCount < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(tokenCount), $"Token count must be >= 0; got {tokenCount}.");
        }

        if (!Enum.IsDefined(placement))
        {
            throw new ArgumentOutOfRangeException(nameof(placement), $"Unknown reward placement {(int)placement}.");
        }

        var rewards = new float[tokenCount];
        var taken = new bool[tokenCount];
        for (var i = 0; i < mentions.Count; i++)
        {
            var m = mentions[i];
            ValidateSpan(i, m.TokenStart, m.TokenEnd, tokenCount);
            if (!double.IsFinite(m.Reward))
            {
                throw new ArgumentException($"Mention #{i} [{m.TokenStart}, {m.TokenEnd}) has reward {m.Reward}; rewards must be finite.", nameof(mentions));
            }

            var value = (float)m.Reward;
            var (from, to) = placement switch
            {
                RewardPlacement.First => (m.TokenStart, m.TokenStart + 1),
                RewardPlacement.All => (m.TokenStart, m.TokenEnd),
                _ => (m.TokenEnd - 1, m.TokenEnd),
            };
            for (var t = from; t < to; t++)
            {
                if (!taken[t] || Wins(value, rewards[t]))
                {
                    rewards[t] = value;
                    taken[t] = true;
                }
            }
        }

        return rewards;
    }

    /// <summary>Checks 0 &lt;= start &lt; end &lt;= tokenCount for mention number <paramref name="index"/>.</summary>
    internal static void ValidateSpan(int index, int start, int end, int tokenCount)
    {
        if (start < 0 || end > tokenCount || start >= end)
        {
            throw new ArgumentOutOfRangeException(
                "mentions",
                $"Mention #{index} spans tokens [{start}, {end}), which is not a non-empty range inside [0, {tokenCount}).");
        }
    }

    private static bool Wins(float candidate, float current)
    {
        var a = Math.Abs(candidate);
        var b = Math.Abs(current);
        return a > b || (a == b && candidate < current);
    }
}
