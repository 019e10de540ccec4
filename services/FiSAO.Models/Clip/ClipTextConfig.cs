using System.Text.Json.Serialization;

namespace FiSAO.Models.Clip;

/// <summary>HF <c>CLIPTextConfig</c>: property defaults are HF's, used for fields a config.json leaves out.</summary>
public sealed record ClipTextConfig
{
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; } = 49408;
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; init; } = 512;
    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; init; } = 2048;
    [JsonPropertyName("projection_dim")] public int ProjectionDim { get; init; } = 512;
    [JsonPropertyName("num_hidden_layers")] public int NumHiddenLayers { get; init; } = 12;
    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; init; } = 8;
    [JsonPropertyName("max_position_embeddings")] public int MaxPositionEmbeddings { get; init; } = 77;
    [JsonPropertyName("hidden_act")] public string HiddenAct { get; init; } = ClipActivation.QuickGelu;
    [JsonPropertyName("layer_norm_eps")] public double LayerNormEps { get; init; } = 1e-5;
    [JsonPropertyName("pad_token_id")] public int? PadTokenId { get; init; } = 1;
    [JsonPropertyName("bos_token_id")] public int? BosTokenId { get; init; } = 49406;

    /// <summary>
    /// Pooling token. 2 marks legacy openai configs (set before HF PR #24773): those pool at the argmax of the ids,
    /// which is where the real end-of-text token 49407 sits.
    /// </summary>
    [JsonPropertyName("eos_token_id")] public int EosTokenId { get; init; } = 49407;

    internal void Validate()
    {
        ClipActivation.Validate(HiddenAct);
        ClipConfig.CheckHeads("text_config", HiddenSize, NumAttentionHeads);
        ClipConfig.CheckPositive("text_config", (nameof(VocabSize), VocabSize), (nameof(IntermediateSize), IntermediateSize),
            (nameof(NumHiddenLayers), NumHiddenLayers), (nameof(MaxPositionEmbeddings), MaxPositionEmbeddings));
    }
}
