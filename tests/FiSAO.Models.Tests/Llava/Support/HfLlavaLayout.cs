using FiSAO.Models.Tests.Clip.Support;

namespace FiSAO.Models.Tests.Llava.Support;

/// <summary>
/// HF <c>LlavaForConditionalGeneration</c> parameter names and shapes, written by hand from modeling_llava.py /
/// modeling_llama.py (not from our modules), in the transformers &lt; 4.52 spelling; <see cref="ToCurrent"/> gives the
/// &gt;= 4.52 spelling (LlavaModel under <c>model.</c>, <c>lm_head</c> at the top).
/// </summary>
public static class HfLlavaLayout
{
    public static IEnumerable<(string Name, long[] Shape)> Legacy(LlavaSpec s) =>
        HfClipLayout.VisionModel("vision_tower.vision_model.", s.Vision)
            .Concat(Projector(s))
            .Concat(LlamaForCausalLM("language_model.", s.Text));

    public static IEnumerable<(string Name, long[] Shape)> Projector(LlavaSpec s) =>
    [
        ("multi_modal_projector.linear_1.weight", [s.Text.HiddenSize, s.Vision.HiddenSize]),
        ("multi_modal_projector.linear_1.bias", [s.Text.HiddenSize]),
        ("multi_modal_projector.linear_2.weight", [s.Text.HiddenSize, s.Text.HiddenSize]),
        ("multi_modal_projector.linear_2.bias", [s.Text.HiddenSize]),
    ];

    public static IEnumerable<(string Name, long[] Shape)> LlamaForCausalLM(string prefix, LlamaSpec t)
    {
        long d = t.HiddenSize, q = t.Heads * t.HeadDim, kv = t.KvHeads * t.HeadDim;
        yield return ($"{prefix}model.embed_tokens.weight", [t.VocabSize, d]);
        for (var i = 0; i < t.Layers; i++)
        {
            var l = $"{prefix}model.layers.{i}.";
            yield return ($"{l}self_attn.q_proj.weight", [q, d]);
            yield return ($"{l}self_attn.k_proj.weight", [kv, d]);
            yield return ($"{l}self_attn.v_proj.weight", [kv, d]);
            yield return ($"{l}self_attn.o_proj.weight", [d, q]);
            yield return ($"{l}mlp.gate_proj.weight", [t.IntermediateSize, d]);
            yield return ($"{l}mlp.up_proj.weight", [t.IntermediateSize, d]);
            yield return ($"{l}mlp.down_proj.weight", [d, t.IntermediateSize]);
            yield return ($"{l}input_layernorm.weight", [d]);
            yield return ($"{l}post_attention_layernorm.weight", [d]);
        }
        yield return ($"{prefix}model.norm.weight", [d]);
        yield return ($"{prefix}lm_head.weight", [t.VocabSize, d]);
    }

    /// <summary>transformers &gt;= 4.52 spelling of a legacy name.</summary>
    public static string ToCurrent(string legacy) => legacy switch
    {
        _ when legacy.StartsWith("language_model.model.", StringComparison.Ordinal) => "model.language_model." + legacy["language_model.model.".Length..],
        _ when legacy.StartsWith("language_model.lm_head.", StringComparison.Ordinal) => legacy["language_model.".Length..],
        _ when legacy.StartsWith("multi_modal_projector.", StringComparison.Ordinal) => "model." + legacy,
        _ when legacy.StartsWith("vision_tower.", StringComparison.Ordinal) => "model." + legacy,
        _ => throw new ArgumentException(legacy),
    };
}
