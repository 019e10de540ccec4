using System.Text.Json;
using System.Text.Json.Serialization;
using FiSAO.Evaluation.Pope;

namespace FiSAO.Evaluation.Reports;

/// <summary>CHAIR of one policy on the chosen images (<c>chair_i</c> counts every occurrence, as Rohrbach et al.).</summary>
public sealed record ChairSummary
{
    [JsonPropertyName("images")] public int Images { get; init; }
    [JsonPropertyName("chair_s")] public double ChairS { get; init; }
    [JsonPropertyName("chair_i")] public double ChairI { get; init; }
    [JsonPropertyName("recall")] public double Recall { get; init; }

    /// <summary>Mean response length in words (whitespace-separated), as the literature's "Len".</summary>
    [JsonPropertyName("mean_length_words")] public double MeanLengthWords { get; init; }
    [JsonPropertyName("mean_length_tokens")] public double MeanLengthTokens { get; init; }
    [JsonPropertyName("mentions")] public int Mentions { get; init; }
    [JsonPropertyName("hallucinated_mentions")] public int HallucinatedMentions { get; init; }

    /// <summary>The images judged (seeded choice), so that two runs can be checked to have seen the same ones.</summary>
    [JsonPropertyName("image_ids")] public IReadOnlyList<long> ImageIds { get; init; } = [];
}

/// <summary>
/// What <c>fisao-trainer evaluate</c> writes (<c>--out FILE.json</c>): the run's settings, CHAIR and/or POPE per split;
/// <c>compare</c> reads several of them.
/// </summary>
public sealed record EvaluationSummary
{
    [JsonPropertyName("policy")] public string Policy { get; init; } = "";
    [JsonPropertyName("adapters")] public string? Adapters { get; init; }
    [JsonPropertyName("coco")] public string? Coco { get; init; }
    [JsonPropertyName("coco_split")] public string? CocoSplit { get; init; }
    [JsonPropertyName("seed")] public long Seed { get; init; }
    [JsonPropertyName("temperature")] public double Temperature { get; init; }
    [JsonPropertyName("max_new_tokens")] public int MaxNewTokens { get; init; }
    [JsonPropertyName("chair")] public ChairSummary? Chair { get; init; }
    [JsonPropertyName("pope")] public SortedDictionary<string, PopeMetrics>? Pope { get; init; }

    /// <summary>Where each POPE split's questions came from: an official file, or "built (seed S, N images)".</summary>
    [JsonPropertyName("pope_questions")] public SortedDictionary<string, string>? PopeQuestions { get; init; }

    /// <summary>The per-caption / per-question file beside this one.</summary>
    [JsonPropertyName("items")] public string? Items { get; init; }
    [JsonPropertyName("seconds")] public double Seconds { get; init; }

    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");

    public static EvaluationSummary Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Evaluation file {path} does not exist.", path);
        try
        {
            return JsonSerializer.Deserialize<EvaluationSummary>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not an evaluation summary: {e.Message}");
        }
    }
}
