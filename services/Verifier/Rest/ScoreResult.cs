using FiSAO.Verifier.Scoring;

namespace FiSAO.Verifier.Rest;

public sealed record MentionResult(string Surface, string Entity, int TokenStart, int TokenEnd, float Score, float Reward, string Verdict);

/// <summary>The REST answer for one scored request (gRPC's <c>ScoreTokensResponse</c>).</summary>
/// <param name="CalibrationId">The calibration the rewards used (content hash); null when uncalibrated.</param>
public sealed record ScoreResult(IReadOnlyList<string> Tokens, float[] Rewards, IReadOnlyList<MentionResult> Mentions,
    string ImageId, string ModelId, bool Calibrated, string? CalibrationId)
{
    public static ScoreResult From(ScoredResponse s) => new(s.Tokens, s.Rewards,
        s.Mentions.Select(m => new MentionResult(m.Surface, m.Entity, m.TokenStart, m.TokenEnd, m.Score, m.Reward,
            m.Verdict.ToString().ToLowerInvariant())).ToList(), s.ImageId, s.ModelId, s.Calibrated, s.CalibrationId);
}

/// <summary>One answer of <c>POST /v1/score/batch</c>, in request order: the result, or why this item failed (gRPC's
/// <c>ScoreTokensResult</c> with its <c>ItemError</c>). A bad item fails alone.</summary>
public sealed record BatchItemResult(ScoreResult? Result, ItemProblem? Error);

/// <summary>Why one batch item failed: the HTTP status it would have had alone, the gRPC status name, the message.</summary>
public sealed record ItemProblem(int Status, string Title, string Detail);

public sealed record EmbedTextBody(string Text);

public sealed record EmbedResult(float[] Embedding, string Model, string? ImageId);
