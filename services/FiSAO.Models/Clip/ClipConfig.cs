using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace FiSAO.Models.Clip;

/// <summary>HF <c>CLIPConfig</c>, read from a checkpoint's config.json.</summary>
public sealed record ClipConfig
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    [JsonPropertyName("text_config")] public ClipTextConfig TextConfig { get; init; } = new();
    [JsonPropertyName("vision_config")] public ClipVisionConfig VisionConfig { get; init; } = new();
    [JsonPropertyName("projection_dim")] public int ProjectionDim { get; init; } = 512;
    [JsonPropertyName("logit_scale_init_value")] public double LogitScaleInitValue { get; init; } = 2.6592;

    public static ClipConfig FromFile(string path) => FromJson(File.ReadAllText(path), path);

    /// <summary>
    /// Parses a CLIPConfig JSON. Like HF, a legacy <c>text_config_dict</c>/<c>vision_config_dict</c> wins: HF rebuilds
    /// the sub-config from that dict plus defaults and writes every field over <c>text_config</c>/<c>vision_config</c>.
    /// </summary>
    public static ClipConfig FromJson(string json, string source = "config.json")
    {
        var root = ParseObject(json, source);
        if (root["model_type"]?.GetValue<string>() is { } modelType && modelType != "clip")
            throw new InvalidDataException($"{source} has model_type '{modelType}', expected 'clip'" +
                (modelType.Contains("llava", StringComparison.OrdinalIgnoreCase) ? " (load LLaVA vision towers with ClipCheckpointLoader.LoadLlavaVisionTower)." : "."));

        var config = Deserialize<ClipConfig>(root, source);
        if (root["text_config_dict"] is JsonObject textDict)
            config = config with { TextConfig = Deserialize<ClipTextConfig>(textDict, source) };
        if (root["vision_config_dict"] is JsonObject visionDict)
            config = config with { VisionConfig = Deserialize<ClipVisionConfig>(visionDict, source) };
        config.Validate();
        return config;
    }

    /// <summary>The <c>vision_config</c> of a LLaVA-style config.json (llava-hf layout).</summary>
    public static ClipVisionConfig VisionConfigFromLlavaJson(string json, string source = "config.json")
    {
        var root = ParseObject(json, source);
        if (root["vision_config"] is not JsonObject vision)
            throw new InvalidDataException($"{source} has no vision_config object; expected a llava-hf style LLaVA config.");
        if (vision["model_type"]?.GetValue<string>() is { } type && type != "clip_vision_model")
            throw new InvalidDataException($"{source} vision_config has model_type '{type}'; only clip_vision_model towers are supported.");
        var config = Deserialize<ClipVisionConfig>(vision, source);
        config.Validate();
        return config;
    }

    public void Validate()
    {
        TextConfig.Validate();
        VisionConfig.Validate();
        CheckPositive("config", (nameof(ProjectionDim), ProjectionDim));
    }

    internal static void CheckHeads(string section, int hiddenSize, int heads)
    {
        if (heads <= 0 || hiddenSize <= 0 || hiddenSize % heads != 0)
            throw new InvalidDataException($"{section}: hidden_size {hiddenSize} must be a positive multiple of num_attention_heads {heads}.");
    }

    internal static void CheckPositive(string section, params (string Name, int Value)[] values)
    {
        foreach (var (name, value) in values)
            if (value <= 0) throw new InvalidDataException($"{section}: {name} must be positive, got {value}.");
    }

    private static JsonObject ParseObject(string json, string source)
    {
        try
        {
            return JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                ?? throw new InvalidDataException($"{source} is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source} is not valid JSON ({e.Message}).", e);
        }
    }

    private static T Deserialize<T>(JsonNode node, string source) where T : new()
    {
        try
        {
            return node.Deserialize<T>(JsonOptions) ?? new T();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: cannot read {typeof(T).Name} ({e.Message}).", e);
        }
    }
}
