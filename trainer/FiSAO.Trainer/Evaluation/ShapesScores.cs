using System.Text.Json.Serialization;

namespace FiSAO.Trainer.Evaluation;

/// <summary>The numbers of one shapes evaluation a table reports (<see cref="ShapesEvaluationResult"/> without its samples).</summary>
public sealed record ShapesScores
{
    [JsonPropertyName("chair_s")] public double ChairS { get; init; }
    [JsonPropertyName("chair_i")] public double ChairI { get; init; }
    [JsonPropertyName("chair_i_distinct")] public double ChairIDistinct { get; init; }
    [JsonPropertyName("recall")] public double Recall { get; init; }

    /// <summary>Hallucinations that are the co-occurrence companion of an object in the image (once per caption).</summary>
    [JsonPropertyName("companions")] public int Companions { get; init; }
    [JsonPropertyName("mentions")] public int Mentions { get; init; }
    [JsonPropertyName("hallucinated_mentions")] public int HallucinatedMentions { get; init; }
    [JsonPropertyName("mean_length_tokens")] public double MeanLengthTokens { get; init; }

    /// <summary>Mean verifier reward of the mentions (when a verifier scored them).</summary>
    [JsonPropertyName("mean_mention_reward")] public double? MeanMentionReward { get; init; }

    public static ShapesScores From(ShapesEvaluationResult r) => new()
    {
        ChairS = Math.Round(r.ChairS, 4),
        ChairI = Math.Round(r.ChairI, 4),
        ChairIDistinct = Math.Round(r.ChairIDistinct, 4),
        Recall = Math.Round(r.Recall, 4),
        Companions = r.CoOccurrenceHallucinations,
        Mentions = r.Mentions,
        HallucinatedMentions = r.HallucinatedMentions,
        MeanLengthTokens = Math.Round(r.MeanLength, 2),
        MeanMentionReward = r.MentionRewards.Count == 0 ? null : Math.Round(r.MentionRewards.Average(), 4),
    };
}

/// <summary>A policy's scores on one split, greedy and sampled at the rollouts' temperature (seeded per scene).</summary>
public sealed record ShapesSplitScores(
    [property: JsonPropertyName("greedy")] ShapesScores Greedy,
    [property: JsonPropertyName("sampled")] ShapesScores Sampled);
