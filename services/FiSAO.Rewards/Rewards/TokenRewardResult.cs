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
