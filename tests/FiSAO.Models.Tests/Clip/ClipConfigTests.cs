using FiSAO.Models.Clip;

namespace FiSAO.Models.Tests.Clip;

public class ClipConfigTests
{
    [Fact]
    public void Missing_fields_take_HF_defaults()
    {
        var config = ClipConfig.FromJson("""{"model_type": "clip", "text_config": {}, "vision_config": {"image_size": 336}}""");

        var t = config.TextConfig;
        Assert.Equal((49408, 512, 2048, 12, 8, 77), (t.VocabSize, t.HiddenSize, t.IntermediateSize, t.NumHiddenLayers, t.NumAttentionHeads, t.MaxPositionEmbeddings));
        Assert.Equal(("quick_gelu", 1e-5, 49407), (t.HiddenAct, t.LayerNormEps, t.EosTokenId));
        var v = config.VisionConfig;
        Assert.Equal((768, 3072, 12, 12, 3, 32), (v.HiddenSize, v.IntermediateSize, v.NumHiddenLayers, v.NumAttentionHeads, v.NumChannels, v.PatchSize));
        Assert.Equal(336, v.ImageSize);
        Assert.Equal(("quick_gelu", 1e-5), (v.HiddenAct, v.LayerNormEps));
        Assert.Equal((512, 2.6592), (config.ProjectionDim, config.LogitScaleInitValue));
    }

    [Fact]
    public void Reads_every_field_we_use()
    {
        var config = ClipConfig.FromJson("""
            {"model_type": "clip", "projection_dim": 12, "logit_scale_init_value": 1.5,
             "text_config": {"vocab_size": 99, "hidden_size": 32, "intermediate_size": 37, "num_hidden_layers": 2,
                             "num_attention_heads": 4, "max_position_embeddings": 16, "hidden_act": "gelu",
                             "layer_norm_eps": 1e-6, "eos_token_id": 2},
             "vision_config": {"hidden_size": 24, "intermediate_size": 40, "num_hidden_layers": 3, "num_attention_heads": 3,
                               "num_channels": 1, "image_size": 20, "patch_size": 5, "hidden_act": "gelu", "layer_norm_eps": 1e-6}}
            """);
        var t = config.TextConfig;
        Assert.Equal((99, 32, 37, 2, 4, 16, "gelu", 1e-6, 2),
            (t.VocabSize, t.HiddenSize, t.IntermediateSize, t.NumHiddenLayers, t.NumAttentionHeads, t.MaxPositionEmbeddings, t.HiddenAct, t.LayerNormEps, t.EosTokenId));
        var v = config.VisionConfig;
        Assert.Equal((24, 40, 3, 3, 1, 20, 5, "gelu", 1e-6),
            (v.HiddenSize, v.IntermediateSize, v.NumHiddenLayers, v.NumAttentionHeads, v.NumChannels, v.ImageSize, v.PatchSize, v.HiddenAct, v.LayerNormEps));
        Assert.Equal((4, 17), (v.GridSize, v.NumPositions));
        Assert.Equal((12, 1.5), (config.ProjectionDim, config.LogitScaleInitValue));
    }

    [Fact]
    public void Legacy_config_dict_overrides_the_sub_config_with_defaults_like_HF()
    {
        // openai checkpoints carry text_config (eos_token_id 2) plus a text_config_dict; HF rebuilds the text config
        // from the dict and HF defaults, so eos_token_id ends up 49407 and the dict's sizes win.
        var config = ClipConfig.FromJson("""
            {"model_type": "clip",
             "text_config": {"hidden_size": 100, "num_attention_heads": 4, "eos_token_id": 2},
             "text_config_dict": {"hidden_size": 768, "num_attention_heads": 12},
             "vision_config": {"hidden_size": 64, "num_attention_heads": 4},
             "vision_config_dict": {"hidden_size": 1024, "num_attention_heads": 16, "image_size": 336, "patch_size": 14}}
            """);
        Assert.Equal((768, 12, 49407), (config.TextConfig.HiddenSize, config.TextConfig.NumAttentionHeads, config.TextConfig.EosTokenId));
        Assert.Equal((1024, 16, 336, 14), (config.VisionConfig.HiddenSize, config.VisionConfig.NumAttentionHeads, config.VisionConfig.ImageSize, config.VisionConfig.PatchSize));
    }

    [Fact]
    public void Unsupported_activation_is_named_in_the_error()
    {
        var e = Assert.Throws<NotSupportedException>(() => ClipConfig.FromJson("""{"text_config": {"hidden_act": "relu"}}"""));
        Assert.Contains("'relu'", e.Message);
        Assert.Contains("quick_gelu", e.Message);
    }

    [Fact]
    public void Hidden_size_must_divide_into_heads()
    {
        var e = Assert.Throws<InvalidDataException>(() => ClipConfig.FromJson("""{"vision_config": {"hidden_size": 100, "num_attention_heads": 3}}"""));
        Assert.Contains("vision_config", e.Message);
        Assert.Contains("100", e.Message);
    }

    [Fact]
    public void A_llava_config_is_refused_with_a_pointer_to_the_vision_tower_loader()
    {
        var e = Assert.Throws<InvalidDataException>(() => ClipConfig.FromJson("""{"model_type": "llava", "vision_config": {}}"""));
        Assert.Contains("'llava'", e.Message);
        Assert.Contains(nameof(ClipCheckpointLoader.LoadLlavaVisionTower), e.Message);
    }

    [Fact]
    public void Llava_vision_config_is_read_with_CLIP_vision_defaults()
    {
        // The shape of llava-hf/llava-1.5-7b-hf's vision_config: no hidden_act, no layer_norm_eps.
        var v = ClipConfig.VisionConfigFromLlavaJson("""
            {"model_type": "llava", "vision_feature_layer": -2,
             "vision_config": {"hidden_size": 1024, "image_size": 336, "intermediate_size": 4096, "model_type": "clip_vision_model",
                               "num_attention_heads": 16, "num_hidden_layers": 24, "patch_size": 14, "projection_dim": 768, "vocab_size": 32000}}
            """);
        Assert.Equal((1024, 336, 4096, 16, 24, 14, 577), (v.HiddenSize, v.ImageSize, v.IntermediateSize, v.NumAttentionHeads, v.NumHiddenLayers, v.PatchSize, v.NumPositions));
        Assert.Equal(("quick_gelu", 1e-5, 3), (v.HiddenAct, v.LayerNormEps, v.NumChannels));
    }

    [Fact]
    public void Llava_config_without_a_clip_vision_config_is_an_error()
    {
        Assert.Contains("no vision_config", Assert.Throws<InvalidDataException>(() => ClipConfig.VisionConfigFromLlavaJson("""{"model_type": "llava"}""")).Message);
        Assert.Contains("siglip_vision_model", Assert.Throws<InvalidDataException>(() =>
            ClipConfig.VisionConfigFromLlavaJson("""{"vision_config": {"model_type": "siglip_vision_model"}}""")).Message);
    }
}
