namespace FiSAO.Models.Tests.Clip.Support;

/// <summary>
/// HF <c>CLIPModel</c> parameter names and shapes, written by hand from transformers' modeling_clip.py module tree
/// (not from our modules): text_model.{embeddings, encoder.layers.N, final_layer_norm}, vision_model.{embeddings,
/// pre_layrnorm, encoder.layers.N, post_layernorm}, visual_projection, text_projection, logit_scale.
/// </summary>
public static class HfClipLayout
{
    public static IEnumerable<(string Name, long[] Shape)> ClipModel(ClipSpec s) =>
        TextModel("text_model.", s.Text)
            .Concat(VisionModel("vision_model.", s.Vision))
            .Append(("visual_projection.weight", [s.ProjectionDim, s.Vision.HiddenSize]))
            .Append(("text_projection.weight", [s.ProjectionDim, s.Text.HiddenSize]))
            .Append(("logit_scale", []));

    public static IEnumerable<(string Name, long[] Shape)> TextModel(string prefix, TextSpec t) =>
        new (string, long[])[]
        {
            ("embeddings.token_embedding.weight", [t.VocabSize, t.HiddenSize]),
            ("embeddings.position_embedding.weight", [t.MaxPositions, t.HiddenSize]),
        }
        .Concat(Encoder(t.Layers, t.HiddenSize, t.IntermediateSize))
        .Concat(LayerNorm("final_layer_norm", t.HiddenSize))
        .Select(p => (prefix + p.Item1, p.Item2));

    public static IEnumerable<(string Name, long[] Shape)> VisionModel(string prefix, VisionSpec v) =>
        new (string, long[])[]
        {
            ("embeddings.class_embedding", [v.HiddenSize]),
            ("embeddings.patch_embedding.weight", [v.HiddenSize, v.Channels, v.PatchSize, v.PatchSize]),
            ("embeddings.position_embedding.weight", [v.Positions, v.HiddenSize]),
        }
        .Concat(LayerNorm("pre_layrnorm", v.HiddenSize))
        .Concat(Encoder(v.Layers, v.HiddenSize, v.IntermediateSize))
        .Concat(LayerNorm("post_layernorm", v.HiddenSize))
        .Select(p => (prefix + p.Item1, p.Item2));

    private static IEnumerable<(string, long[])> Encoder(int layers, int d, int ff)
    {
        for (var i = 0; i < layers; i++)
        {
            var l = $"encoder.layers.{i}.";
            foreach (var proj in new[] { "k_proj", "v_proj", "q_proj", "out_proj" })
            {
                yield return ($"{l}self_attn.{proj}.weight", [d, d]);
                yield return ($"{l}self_attn.{proj}.bias", [d]);
            }
            foreach (var p in LayerNorm($"{l}layer_norm1", d)) yield return p;
            yield return ($"{l}mlp.fc1.weight", [ff, d]);
            yield return ($"{l}mlp.fc1.bias", [ff]);
            yield return ($"{l}mlp.fc2.weight", [d, ff]);
            yield return ($"{l}mlp.fc2.bias", [d]);
            foreach (var p in LayerNorm($"{l}layer_norm2", d)) yield return p;
        }
    }

    private static IEnumerable<(string, long[])> LayerNorm(string name, int d) =>
        [($"{name}.weight", [d]), ($"{name}.bias", [d])];
}
