namespace FiSAO.Verifier.Scoring;

/// <summary>An image as a request gives it: encoded bytes, or the id (content hash) of one the verifier holds.</summary>
/// <param name="Bytes">The encoded image (PNG, JPEG, ...), or empty when <paramref name="ImageId"/> is given.</param>
/// <param name="ImageId">The id (SHA-256 of the bytes) of an image the verifier holds.</param>
/// <param name="Borrowed">The caller reuses <paramref name="Bytes"/> once the call returns (a pooled buffer), so work that
/// may outlive the call (an encoding other requests wait on) takes a copy.</param>
public readonly record struct ImageInput(ReadOnlyMemory<byte> Bytes, string? ImageId, bool Borrowed = false)
{
    public static ImageInput FromBytes(ReadOnlyMemory<byte> bytes) => new(bytes, null);
    public static ImageInput FromBorrowedBytes(ReadOnlyMemory<byte> bytes) => new(bytes, null, Borrowed: true);
    public static ImageInput FromId(string id) => new(default, id);
    public bool IsId => ImageId is not null;
}

/// <summary>What the reward says of a mention: supported by the image, likely hallucinated, or neither.</summary>
public enum RewardVerdict { Neutral, Correct, Hallucinated }

/// <summary>One entity mention with its score S and token reward r (Eq. 8).</summary>
public sealed record MentionScore(string Surface, string Entity, int TokenStart, int TokenEnd,
    float Score, float Reward, RewardVerdict Verdict);

/// <summary>The verifier's answer for one (image, tokens) pair.</summary>
public sealed record ScoredResponse(float[] Rewards, IReadOnlyList<MentionScore> Mentions, string ImageId,
    string ModelId, bool Calibrated, IReadOnlyList<string> Tokens)
{
    /// <summary>The calibration the rewards used (null: uncalibrated).</summary>
    public string? CalibrationId { get; init; }
}

/// <summary>A calibration sample: an image, a response (text, or tokens in a format), the objects truly in it.</summary>
public sealed record CalibrationSampleInput(ImageInput Image, string? Text, IReadOnlyList<string>? Tokens,
    FiSAO.Rewards.Alignment.TokenFormat Format, IReadOnlyList<string> GroundTruth);

/// <summary>The result of a calibration run: the baselines, whether they are now active, per-sample failures.</summary>
public sealed record CalibrationOutcome(FiSAO.Rewards.Calibration Calibration, bool Applied, string? NotAppliedReason,
    IReadOnlyList<(int Index, FiSAO.Verifier.Hosting.VerifierException Error)> SampleErrors)
{
    /// <summary>The computed calibration's id (content hash); when applied, the id every replica now serves.</summary>
    public string CalibrationId { get; init; } = "";
}
