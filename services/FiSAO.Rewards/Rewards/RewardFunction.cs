using System.Globalization;

namespace FiSAO.Rewards;

/// <summary>Which case of Eq. 8 a score fell into.</summary>
public enum RewardBranch
{
    /// <summary><c>mu_hal - lambda &lt;= S &lt;= mu_gt + lambda</c>: reward 0.</summary>
    Neutral = 0,

    /// <summary><c>S &gt; mu_gt + lambda</c>: reward in (0, 1].</summary>
    Positive = 1,

    /// <summary><c>S &lt; mu_hal - lambda</c>: reward in [-1, 0).</summary>
    Negative = 2,
}

/// <summary>The reward for one score, the branch of Eq. 8 it came from, and whether clipping changed it.</summary>
public readonly record struct RewardOutcome(double Reward, RewardBranch Branch, bool Clipped);

/// <summary>
/// The resolved constants of Eq. 8 for one calibration and one set of settings.
/// A denominator &lt;= 0 means the bound does not lie beyond its threshold; that branch then saturates
/// at +1 / -1 (see <see cref="RewardFunction"/>).
/// </summary>
/// <param name="Upper">mu_gt + lambda: positive rewards start strictly above it.</param>
/// <param name="Lower">mu_hal - lambda: negative rewards start strictly below it.</param>
/// <param name="SMin">Lower score bound S_min in use.</param>
/// <param name="SMax">Upper score bound S_max in use.</param>
/// <param name="PositiveDenominator">S_max - (mu_gt + lambda).</param>
/// <param name="NegativeDenominator">(mu_hal - lambda) - S_min, or (mu_gt - lambda) - S_min in PaperLiteral mode.</param>
public readonly record struct RewardThresholds(
    double Upper,
    double Lower,
    double SMin,
    double SMax,
    double PositiveDenominator,
    double NegativeDenominator);

/// <summary>
/// Eq. 8 with the Appendix A.1.5 normalisation, for one <see cref="Calibration"/> and one
/// <see cref="RewardSettings"/> (copied at construction), or explicitly uncalibrated (<see cref="Uncalibrated"/>:
/// scores are still reported by <see cref="Score"/>, rewards are not invented). What the verifier holds and the one
/// loop from scored mentions to token rewards. Immutable and thread-safe.
/// <list type="bullet">
/// <item><c>S &gt; mu_gt + lambda</c>: <c>r = (S - (mu_gt + lambda)) / (S_max - (mu_gt + lambda))</c>.</item>
/// <item><c>S &lt; mu_hal - lambda</c>: <c>r = (S - (mu_hal - lambda)) / D</c>, <c>D = (mu_hal - lambda) - S_min</c>
/// (or <c>(mu_gt - lambda) - S_min</c> with <see cref="HallucinationDenominator.PaperLiteral"/>).</item>
/// <item>otherwise <c>r = 0</c>; thresholds are strict, so a score exactly at a threshold gets 0.</item>
/// </list>
/// Degenerate cases: a denominator &lt;= 0 (S_max not above mu_gt + lambda, or S_min not below the lower
/// threshold) saturates that branch at +1 / -1 whatever <see cref="RewardSettings.ClipToUnitRange"/> says.
/// With clipping on (default) r is clamped to [-1, 1]; off, scores beyond S_min/S_max give |r| &gt; 1.
/// A calibration with mu_hal &gt; mu_gt (hallucinated mentions score higher than correct ones: the
/// verifier does not separate them and Eq. 8 would reward hallucination) is refused at construction.
/// A non-finite score is an error.
/// </summary>
public sealed class RewardFunction
{
    /// <summary>Reason used when no calibration was supplied.</summary>
    public const string NoCalibrationReason = "no calibration loaded: rewards need mu_gt, mu_hal, S_min and S_max (Eq. 7)";

    private readonly RewardSettings _settings;
    private readonly Calibration? _calibration;
    private readonly RewardThresholds _thresholds;

    /// <summary>A calibrated reward function (same as <see cref="Calibrated"/>).</summary>
    /// <exception cref="InvalidRewardSettingsException">The settings are invalid.</exception>
    /// <exception cref="InvalidCalibrationException">The calibration is invalid, inverted (mu_hal &gt; mu_gt),
    /// or was made with another mention template than <see cref="RewardSettings.MentionTemplate"/>.</exception>
    public RewardFunction(RewardSettings settings, Calibration calibration)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(calibration);
        _settings = settings.Clone();
        _settings.ThrowIfInvalid();
        var errors = calibration.Validate().ToList();
        if (errors.Count == 0 && calibration.IsInverted)
        {
            errors.Add(
                $"mu_hal ({F(calibration.MuHal)}) > mu_gt ({F(calibration.MuGt)}): hallucinated mentions scored higher " +
                "than correct ones on average, so the verifier does not separate them and Eq. 8 would reward " +
                "hallucination; recalibrate (check the model, the mention template and the ground-truth labels).");
        }

        if (calibration.MentionTemplate is not null &&
            !string.Equals(calibration.MentionTemplate, _settings.MentionTemplate, StringComparison.Ordinal))
        {
            errors.Add(
                $"the calibration was made with mention template \"{calibration.MentionTemplate}\" but the settings " +
                $"use \"{_settings.MentionTemplate}\"; scores from different templates are not comparable.");
        }

        if (errors.Count > 0)
        {
            throw new InvalidCalibrationException(errors);
        }

        _calibration = calibration;
        var lambda = _settings.Margin;
        var (sMin, sMax) = _settings.ScoreBounds == ScoreBoundsSource.Explicit
            ? (_settings.SMin!.Value, _settings.SMax!.Value)
            : (calibration.SMin, calibration.SMax);
        var upper = calibration.MuGt + lambda;
        var lower = calibration.MuHal - lambda;
        var negativeReference = _settings.HallucinationDenominator == HallucinationDenominator.PaperLiteral
            ? calibration.MuGt - lambda
            : lower;
        _thresholds = new RewardThresholds(upper, lower, sMin, sMax, sMax - upper, negativeReference - sMin);
    }


    private RewardFunction(RewardSettings settings, string reason)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        _settings = settings.Clone();
        _settings.ThrowIfInvalid();
        UncalibratedReason = reason;
    }

    /// <summary>Calibrated when <paramref name="calibration"/> is given, otherwise uncalibrated with <see cref="NoCalibrationReason"/>.</summary>
    /// <exception cref="InvalidRewardSettingsException">The settings are invalid.</exception>
    /// <exception cref="InvalidCalibrationException">The calibration is unusable (see the constructor).</exception>
    public static RewardFunction Create(RewardSettings settings, Calibration? calibration) =>
        calibration is null ? Uncalibrated(settings, NoCalibrationReason) : Calibrated(settings, calibration);

    /// <inheritdoc cref="RewardFunction(RewardSettings, Calibration)"/>
    public static RewardFunction Calibrated(RewardSettings settings, Calibration calibration) => new(settings, calibration);

    /// <summary>The explicit uncalibrated state: scores are reported, rewards are not invented; <paramref name="reason"/> says why.</summary>
    /// <exception cref="InvalidRewardSettingsException">The settings are invalid.</exception>
    public static RewardFunction Uncalibrated(RewardSettings settings, string reason) => new(settings, reason);

    public bool IsCalibrated => _calibration is not null;

    /// <summary>Why rewards are not computed; null when calibrated.</summary>
    public string? UncalibratedReason { get; }

    /// <summary>The baselines (Eq. 7).</summary>
    /// <exception cref="InvalidOperationException">Uncalibrated.</exception>
    public Calibration Calibration => _calibration ?? throw Uncalibrated();

    /// <summary>Eq. 8's thresholds and denominators.</summary>
    /// <exception cref="InvalidOperationException">Uncalibrated.</exception>
    public RewardThresholds Thresholds => IsCalibrated ? _thresholds : throw Uncalibrated();
    /// <summary>A copy of the settings in use.</summary>
    public RewardSettings Settings => _settings.Clone();

    public RewardPlacement Placement => _settings.Placement;

    /// <summary>Eq. 8 reward for score <paramref name="score"/>.</summary>
    /// <exception cref="ArgumentException">The score is NaN or infinite.</exception>
    public double Reward(double score) => Evaluate(score).Reward;

    /// <summary>Eq. 8 reward, branch and clipping flag for score <paramref name="score"/>.</summary>
    /// <exception cref="ArgumentException">The score is NaN or infinite.</exception>
    public RewardOutcome Evaluate(double score)
    {
        if (!double.IsFinite(score))
        {
            throw new ArgumentException($"Score must be a finite number; got {F(score)}.", nameof(score));
        }

        var t = Thresholds;
        double reward;
        RewardBranch branch;
        if (score > t.Upper)
        {
            branch = RewardBranch.Positive;
            reward = t.PositiveDenominator > 0 ? (score - t.Upper) / t.PositiveDenominator : 1.0;
        }
        else if (score < t.Lower)
        {
            branch = RewardBranch.Negative;
            reward = t.NegativeDenominator > 0 ? (score - t.Lower) / t.NegativeDenominator : -1.0;
        }
        else
        {
            return new RewardOutcome(0.0, RewardBranch.Neutral, false);
        }

        if (_settings.ClipToUnitRange && (reward > 1.0 || reward < -1.0))
        {
            return new RewardOutcome(Math.Clamp(reward, -1.0, 1.0), branch, true);
        }

        return new RewardOutcome(reward, branch, false);
    }

    /// <summary>Reward of each mention, then placed on its tokens per <see cref="RewardSettings.Placement"/>.</summary>
    /// <exception cref="InvalidOperationException">Uncalibrated.</exception>
    public float[] AssignToTokens(int tokenCount, IReadOnlyList<ScoredMention> mentions) =>
        Score(tokenCount, mentions).TokenRewards ?? throw Uncalibrated();

    /// <summary>
    /// Scores and rewards of a response of <paramref name="tokenCount"/> tokens with the given scored mentions: the
    /// one loop. Spans and scores are validated the same way whether calibrated or not; uncalibrated, each mention
    /// keeps its score and gets no reward.
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
                throw new ArgumentException($"Mention #{i} [{m.TokenStart}, {m.TokenEnd}) has score {F(m.Score)}; scores must be finite.", nameof(mentions));
            }

            if (!IsCalibrated)
            {
                results[i] = new MentionRewardResult(m.TokenStart, m.TokenEnd, m.Score, null, null, false);
                continue;
            }

            var outcome = Evaluate(m.Score);
            results[i] = new MentionRewardResult(m.TokenStart, m.TokenEnd, m.Score, outcome.Reward, outcome.Branch, outcome.Clipped);
            rewards[i] = new MentionReward(m.TokenStart, m.TokenEnd, outcome.Reward);
        }

        return IsCalibrated
            ? new TokenRewardResult(true, null, results, TokenRewards.Assign(tokenCount, rewards, _settings.Placement))
            : new TokenRewardResult(false, UncalibratedReason, results, null);
    }

    private InvalidOperationException Uncalibrated() => new($"The reward function is uncalibrated: {UncalibratedReason}");

    private static string F(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
