using FiSAO.Verifier.Scoring;

namespace FiSAO.Verifier.Rest;

public sealed record MentionResult(string Surface, string Entity, int TokenStart, int TokenEnd, float Score, float Reward, string Verdict);

/// <summary>The REST answer for one scored request (gRPC's <c>ScoreTokensResponse</c>).</summary>
/// <param name="Tokens">The scored tokens (the request's, or the caption's words).</param>
/// <param name="Rewards">One token reward r_t per token (Eq. 8); 0 outside mentions.</param>
/// <param name="Mentions">Each entity mention: surface, entity, token span, S, reward, verdict.</param>
/// <param name="ImageId">SHA-256 of the image bytes: send it as <c>image_id</c> instead of the image next time.</param>
/// <param name="ModelId">The CLIP model that scored (folder name and a content-hash prefix).</param>
/// <param name="Calibrated">Whether a calibration turned scores into rewards (false: every reward is 0).</param>
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
