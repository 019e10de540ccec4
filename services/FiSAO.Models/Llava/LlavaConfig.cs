using System.Text.Json;
using System.Text.Json.Nodes;
using FiSAO.Models.Clip;
using FiSAO.Models.Llama;

namespace FiSAO.Models.Llava;

/// <summary>
/// HF <c>LlavaConfig</c> of a llava-hf folder (e.g. llava-hf/llava-1.5-7b-hf): a LLaMA <c>text_config</c>, a CLIP
/// <c>vision_config</c>, the image placeholder id, projector activation, which vision layer feeds the projector and
/// whether its CLS token is dropped. Defaults are HF's.
/// </summary>
public sealed record LlavaConfig
{
    public const string DefaultStrategy = "default";
    public const string FullStrategy = "full";

    public required LlamaConfig TextConfig { get; init; }

    public required ClipVisionConfig VisionConfig { get; init; }

    /// <summary><c>image_token_index</c> (older configs) or <c>image_token_id</c> (newer); 32000 in llava-1.5.</summary>
    public int ImageTokenIndex { get; init; } = 32000;

    /// <summary>HF <c>ACT2FN</c> name between the projector's linears; llava-1.5's "mlp2x_gelu" uses "gelu" (erf).</summary>
    public string ProjectorHiddenAct { get; init; } = "gelu";

    /// <summary>Index into the tower's hidden_states (embeddings + each layer); -2 = penultimate layer.</summary>
    public int VisionFeatureLayer { get; init; } = -2;

    /// <summary>"default" drops the CLS token (576 features at 336 px / patch 14), "full" keeps it (577).</summary>
    public string VisionFeatureSelectStrategy { get; init; } = DefaultStrategy;

    public bool MultimodalProjectorBias { get; init; } = true;

    /// <summary>Top-level <c>pad_token_id</c> (32001 in llava-hf); null when absent.</summary>
    public int? PadTokenId { get; init; }

    /// <summary>Placeholder tokens (= projected features) per image.</summary>
    public int ImageSeqLength =>
        VisionConfig.GridSize * VisionConfig.GridSize + (VisionFeatureSelectStrategy == FullStrategy ? 1 : 0);

    public void Validate()
    {
        TextConfig.Validate();
        if (ProjectorHiddenAct is not ("gelu" or "gelu_pytorch_tanh" or "quick_gelu" or "relu" or "silu"))
            throw new InvalidDataException($"projector_hidden_act '{ProjectorHiddenAct}' is not supported (gelu, gelu_pytorch_tanh, quick_gelu, relu, silu).");
        if (VisionFeatureSelectStrategy is not (DefaultStrategy or FullStrategy))
            throw new InvalidDataException($"vision_feature_select_strategy '{VisionFeatureSelectStrategy}' is not supported; use 'default' or 'full'.");
        var states = VisionConfig.NumHiddenLayers + 1;
        if (VisionFeatureLayer < -states || VisionFeatureLayer >= states)
            throw new InvalidDataException($"vision_feature_layer {VisionFeatureLayer} is outside the tower's {states} hidden states.");
        if (ImageTokenIndex < 0) throw new InvalidDataException($"image_token_index must not be negative, got {ImageTokenIndex}.");
    }

    public static LlavaConfig FromFile(string path) => FromJson(File.ReadAllText(path), path);

    public static LlavaConfig FromJson(string json, string source = "config.json")
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                   ?? throw new InvalidDataException($"{source} is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source} is not valid JSON ({e.Message}).", e);
        }

        if (Str(root, "model_type") is { } type && type != "llava")
            throw new InvalidDataException($"{source} has model_type '{type}'; expected 'llava' (a llava-hf LlavaForConditionalGeneration folder).");
        if (root["text_config"] is not JsonObject text)
            throw new InvalidDataException($"{source} has no text_config object; expected a llava-hf style LLaVA config.");
        if (root["vision_feature_layer"] is JsonArray)
            throw new NotSupportedException($"{source}: a list of vision_feature_layer values is not supported; LLaVA-1.5 uses one layer (-2).");

        var defaults = new LlavaConfig { TextConfig = new LlamaConfig(), VisionConfig = new ClipVisionConfig() };
        var config = new LlavaConfig
        {
            TextConfig = LlamaConfig.FromJson(text, $"{source} text_config"),
            VisionConfig = ClipConfig.VisionConfigFromLlavaJson(json, source),
            ImageTokenIndex = Int(root, "image_token_index") ?? Int(root, "image_token_id") ?? defaults.ImageTokenIndex,
            ProjectorHiddenAct = Str(root, "projector_hidden_act") ?? defaults.ProjectorHiddenAct,
            VisionFeatureLayer = Int(root, "vision_feature_layer") ?? defaults.VisionFeatureLayer,
            VisionFeatureSelectStrategy = Str(root, "vision_feature_select_strategy") ?? defaults.VisionFeatureSelectStrategy,
            MultimodalProjectorBias = root["multimodal_projector_bias"] is JsonValue bias ? bias.GetValue<bool>() : true,
            PadTokenId = Int(root, "pad_token_id"),
        };
        try
        {
            config.Validate();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
        if (Int(root, "image_seq_length") is { } declared && declared != config.ImageSeqLength)
            throw new InvalidDataException(
                $"{source}: image_seq_length {declared} disagrees with the vision tower ({config.ImageSeqLength} features per image).");
        return config;
    }

    /// <summary>A llava-hf config.json for this configuration (what transformers 4.4x writes, plus model_type markers).</summary>
    public JsonObject ToJson()
    {
        var vision = JsonSerializer.SerializeToNode(VisionConfig)!.AsObject();
        vision["model_type"] = "clip_vision_model";
        var root = new JsonObject
        {
            ["architectures"] = new JsonArray("LlavaForConditionalGeneration"),
            ["model_type"] = "llava",
            ["image_token_index"] = ImageTokenIndex,
            ["projector_hidden_act"] = ProjectorHiddenAct,
            ["vision_feature_layer"] = VisionFeatureLayer,
            ["vision_feature_select_strategy"] = VisionFeatureSelectStrategy,
            ["multimodal_projector_bias"] = MultimodalProjectorBias,
            ["image_seq_length"] = ImageSeqLength,
            ["pad_token_id"] = PadTokenId,
            ["tie_word_embeddings"] = TextConfig.TieWordEmbeddings,
            ["text_config"] = TextConfig.ToJson(),
            ["vision_config"] = vision,
        };
        return root;
    }

    private static string? Str(JsonObject o, string name) => o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static int? Int(JsonObject o, string name) => o[name] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        var other => throw new InvalidDataException($"'{name}' must be an integer, got {other.ToJsonString()}."),
    };
}
