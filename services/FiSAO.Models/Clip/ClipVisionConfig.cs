using System.Text.Json.Serialization;

namespace FiSAO.Models.Clip;

/// <summary>HF <c>CLIPVisionConfig</c>: property defaults are HF's, used for fields a config.json leaves out.</summary>
public sealed record ClipVisionConfig
{
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; init; } = 768;
    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; init; } = 3072;
    [JsonPropertyName("projection_dim")] public int ProjectionDim { get; init; } = 512;
    [JsonPropertyName("num_hidden_layers")] public int NumHiddenLayers { get; init; } = 12;
    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; init; } = 12;
    [JsonPropertyName("num_channels")] public int NumChannels { get; init; } = 3;
    [JsonPropertyName("image_size")] public int ImageSize { get; init; } = 224;
    [JsonPropertyName("patch_size")] public int PatchSize { get; init; } = 32;
    [JsonPropertyName("hidden_act")] public string HiddenAct { get; init; } = ClipActivation.QuickGelu;
    [JsonPropertyName("layer_norm_eps")] public double LayerNormEps { get; init; } = 1e-5;

    /// <summary>Patches per side; HF's conv floors, so a ragged border is dropped.</summary>
    [JsonIgnore] public int GridSize => ImageSize / PatchSize;

    /// <summary>Patch tokens plus the class token.</summary>
    [JsonIgnore] public int NumPositions => GridSize * GridSize + 1;

    internal void Validate()
    {
        ClipActivation.Validate(HiddenAct);
        ClipConfig.CheckHeads("vision_config", HiddenSize, NumAttentionHeads);
        ClipConfig.CheckPositive("vision_config", (nameof(IntermediateSize), IntermediateSize), (nameof(NumHiddenLayers), NumHiddenLayers),
            (nameof(NumChannels), NumChannels), (nameof(PatchSize), PatchSize), (nameof(GridSize), GridSize));
    }
}
