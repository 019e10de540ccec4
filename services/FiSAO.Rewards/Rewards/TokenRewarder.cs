namespace FiSAO.Rewards;

/// <summary>One mention in a <see cref="TokenRewardResult"/>: its tokens, its score S and, when calibrated, its reward.</summary>
/// <param name="Reward">Eq. 8 reward; null when uncalibrated.</param>
/// <param name="Branch">Eq. 8 branch; null when uncalibrated.</param>
/// <param name="Clipped">True when clipping to [-1, 1] changed the reward.</param>
public readonly record struct MentionRewardResult(
    int TokenStart,
    int TokenEnd,
    double Score,
    double? Reward,
    RewardBranch? Branch,
    bool Clipped);

/// <summary>Scores and rewards of one response.</summary>
/// <param name="IsCalibrated">False when no calibration is loaded: scores are returned, rewards are not computed.</param>
/// <param name="UncalibratedReason">Why rewards are missing; null when calibrated.</param>
/// <param name="Mentions">Every input mention, in input order.</param>
/// <param name="TokenRewards">Per-token rewards (length = token count); null when uncalibrated.</param>
public sealed record TokenRewardResult(
    bool IsCalibrated,
    string? UncalibratedReason,
    IReadOnlyList<MentionRewardResult> Mentions,
    float[]? TokenRewards);

/// <summary>
/// What the verifier holds: the settings and either a <see cref="RewardFunction"/> (calibrated) or a reason why
/// there is none (uncalibrated: scores are still reported, rewards are not invented). Immutable and thread-safe.
/// </summary>
public sealed class TokenRewarder
{
    /// <summary>Reason used when no calibration was supplied.</summary>
    public const string NoCalibrationReason = "no calibration loaded: rewards need mu_gt, mu_hal, S_min and S_max (Eq. 7)";

    private readonly RewardSettings _settings;

    private TokenRewarder(RewardSettings settings, RewardFunction? function, string? reason)
    {
        _settings = settings;
        Function = function;
        UncalibratedReason = reason;
    }

    /// <summary>The reward function; null when uncalibrated.</summary>
    public RewardFunction? Function { get; }

    public bool IsCalibrated => Function is not null;

    /// <summary>Why rewards are not computed; null when calibrated.</summary>
    public string? UncalibratedReason { get; }

    /// <summary>A copy of the settings in use.</summary>
    public RewardSettings Settings => _settings.Clone();

    /// <summary>Calibrated when <paramref name="calibration"/> is given, otherwise uncalibrated with <see cref="NoCalibrationReason"/>.</summary>
    /// <exception cref="InvalidRewardSettingsException">The settings are invalid.</exception>
    /// <exception cref="InvalidCalibrationException">The calibration is unusable (see <see cref="RewardFunction"/>).</exception>
    public static TokenRewarder Create(RewardSettings settings, Calibration? calibration) =>
        calibration is null ? Uncalibrated(settings, NoCalibrationReason) : Calibrated(settings, calibration);

    /// <inheritdoc cref="RewardFunction(RewardSettings, Calibration)"/>
    public static TokenRewarder Calibrated(RewardSettings settings, Calibration calibration)
    {
        var function = new RewardFunction(settings, calibration);
        return new TokenRewarder(function.Settings, function, null);
    }

    /// <summary>A rewarder that reports scores only, with the given reason.</summary>
    /// <exception cref="InvalidRewardSettingsException">The settings are invalid.</exception>
    public static TokenRewarder Uncalibrated(RewardSettings settings, string reason)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var copy = settings.Clone();
        copy.ThrowIfInvalid();
        return new TokenRewarder(copy, null, reason);
    }

    /// <summary>
    /// Rewards for a response of <paramref name="tokenCount"/> tokens with the given scored mentions.
    /// Spans and scores are validated the same way whether calibrated or not.
    /// </summary>
    public TokenRewardResult Score(int tokenCount, IReadOnlyList<ScoredMention> mentions)
    {
        ArgumentNullException.ThrowIfNull(mentions);
        if (tokenCount < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(tokenCount), $"Token count must be >= 0; got {tokenCount}.");
        }

        var results = new MentionRewardResult[mentions.Count];
        var rewards = new MentionReward[mentions.Count];
        for (var i = 0; i < mentions.Count; i++)
        {
            var m = mentions[i];
            TokenRewards.ValidateSpan(i, m.TokenStart, m.TokenEnd, tokenCount);
            if (!double.IsFinite(m.Score))
            {
                throw new ArgumentException($"Mention #{i} [{m.TokenStart}, {m.TokenEnd}) has score {m.Score}; scores must be finite.", nameof(mentions));
            }

            if (Function is null)
            {
                results[i] = new MentionRewardResult(m.TokenStart, m.TokenEnd, m.Score, null, null, false);
                continue;
            }

            var outcome = Function.Evaluate(m.Score);
            results[i] = new MentionRewardResult(m.TokenStart, m.TokenEnd, m.Score, outcome.Reward, outcome.Branch, outcome.Clipped);
            rewards[i] = new MentionReward(m.TokenStart, m.TokenEnd, outcome.Reward);
        }

        if (Function is null)
        {
            return new TokenRewardResult(false, UncalibratedReason, results, null);
        }

        return new TokenRewardResult(true, null, results, TokenRewards.Assign(tokenCount, rewards, _settings.Placement));
    }
}
