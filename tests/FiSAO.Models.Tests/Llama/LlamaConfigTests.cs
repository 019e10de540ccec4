using FiSAO.Models.Llama;

namespace FiSAO.Models.Tests.Llama;

public class LlamaConfigTests
{
    [Fact]
    public void Missing_fields_take_hf_llama_defaults()
    {
        var c = LlamaConfig.FromJson("""{"model_type": "llama", "vocab_size": 32064, "max_position_embeddings": 4096, "rms_norm_eps": 1e-05}""");
        Assert.Equal((32064, 4096, 11008, 32, 32), (c.VocabSize, c.HiddenSize, c.IntermediateSize, c.NumHiddenLayers, c.NumAttentionHeads));
        Assert.Null(c.NumKeyValueHeads);
        Assert.Equal(32, c.KeyValueHeads);
        Assert.Equal(128, c.HeadDimension);
        Assert.Equal((10000.0, 1e-5, 4096), (c.RopeTheta, c.RmsNormEps, c.MaxPositionEmbeddings));
        Assert.Equal((false, false, false), (c.TieWordEmbeddings, c.AttentionBias, c.MlpBias));
        Assert.Equal(1, c.BosTokenId);
        Assert.Equal([2], c.EosTokenIds);
        Assert.Null(c.PadTokenId);
    }

    [Fact]
    public void Reads_gqa_head_dim_eos_lists_and_transformers_5_rope_parameters()
    {
        var c = LlamaConfig.FromJson("""
            {"hidden_size": 64, "num_attention_heads": 8, "num_key_value_heads": 2, "head_dim": 16, "eos_token_id": [2, 7],
             "rope_parameters": {"rope_type": "default", "rope_theta": 500000.0}, "tie_word_embeddings": true}
            """);
        Assert.Equal((2, 16, 500000.0, true), (c.KeyValueHeads, c.HeadDimension, c.RopeTheta, c.TieWordEmbeddings));
        Assert.Equal([2, 7], c.EosTokenIds);
    }

    [Theory]
    [InlineData("""{"model_type": "mistral"}""", "mistral")]
    [InlineData("""{"num_attention_heads": 32, "num_key_value_heads": 5}""", "multiple of num_key_value_heads")]
    [InlineData("""{"hidden_act": "gelu"}""", "hidden_act")]
    [InlineData("""{"hidden_size": 100, "num_attention_heads": 3}""", "multiple of num_attention_heads")]
    public void Invalid_configs_name_the_problem(string json, string fragment)
    {
        var e = Assert.Throws<InvalidDataException>(() => LlamaConfig.FromJson(json));
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void Scaled_rope_is_refused()
    {
        Assert.Throws<NotSupportedException>(() => LlamaConfig.FromJson("""{"rope_scaling": {"type": "linear", "factor": 2.0}}"""));
    }
}
