using FiSAO.Models.Clip;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.ShapesWorld.Training;

/// <summary>
/// HF's <c>CLIPPreTrainedModel._init_weights</c> (initializer_factor 1, initializer_range 0.02) applied by parameter
/// name. TorchSharp's module defaults (N(0, 1) position and token embeddings, Kaiming-uniform linears) leave the
/// vision tower's position embedding far larger than the patch content, which slows training from scratch a lot;
/// HF's init is what CLIP is trained from.
/// </summary>
public static class ClipInitializer
{
    private static readonly Scalar LayerNormWeight = 1.0.ToScalar();

    public static void ApplyHfInit(ClipModel model, long seed, double sinCosPositions = 0)
    {
        torch.manual_seed(seed);
        var text = model.Config.TextConfig;
        var vision = model.Config.VisionConfig;
        using var noGrad = torch.no_grad();
        foreach (var (name, p) in model.named_parameters())
        {
            bool isText = name.StartsWith("text_model.", StringComparison.Ordinal);
            int d = isText ? text.HiddenSize : vision.HiddenSize;
            int layers = isText ? text.NumHiddenLayers : vision.NumHiddenLayers;
            double? std = null;
            if (name.EndsWith(".bias", StringComparison.Ordinal)) { p.zero_(); continue; }
            if (name.Contains("layer_norm", StringComparison.Ordinal) || name.Contains("layrnorm", StringComparison.Ordinal)
                || name.Contains("layernorm", StringComparison.Ordinal))
            {
                p.fill_(LayerNormWeight);
                continue;
            }
            if (name == "logit_scale") continue;
            if (name == "text_model.embeddings.token_embedding.weight") std = 0.02;
            else if (name == "text_model.embeddings.position_embedding.weight") std = 0.01;
            else if (name == "vision_model.embeddings.class_embedding") std = Math.Pow(d, -0.5);
            else if (name == "vision_model.embeddings.patch_embedding.weight") std = 0.02;
            else if (name == "vision_model.embeddings.position_embedding.weight") std = 0.02;
            else if (name.Contains(".self_attn.out_proj.", StringComparison.Ordinal)) std = Math.Pow(d, -0.5);
            else if (name.Contains(".self_attn.", StringComparison.Ordinal)) std = Math.Pow(d, -0.5) * Math.Pow(2.0 * layers, -0.5);
            else if (name.Contains(".mlp.fc1.", StringComparison.Ordinal)) std = Math.Pow(2.0 * d, -0.5);
            else if (name.Contains(".mlp.fc2.", StringComparison.Ordinal)) std = Math.Pow(d, -0.5) * Math.Pow(2.0 * layers, -0.5);
            else if (name == "visual_projection.weight") std = Math.Pow(vision.HiddenSize, -0.5);
            else if (name == "text_projection.weight") std = Math.Pow(text.HiddenSize, -0.5);
            if (std is null) throw new InvalidOperationException($"No initialisation rule for CLIP parameter '{name}'.");
            p.normal_(0, std.Value);
        }
        if (sinCosPositions > 0) InitVisionPositionsSinCos(model, sinCosPositions);
    }

    /// <summary>
    /// 2-D sine-cosine vision position embeddings (MAE's fixed table, here only the starting point of the learned
    /// embedding) times <paramref name="amplitude"/>; the class token's position stays at zero. Gives attention a notion
    /// of neighbourhood from the first step.
    /// </summary>
    public static void InitVisionPositionsSinCos(ClipModel model, double amplitude)
    {
        var vision = model.Config.VisionConfig;
        int d = vision.HiddenSize, grid = vision.GridSize;
        var table = new float[(grid * grid + 1) * d];
        int quarter = d / 4;
        for (int gy = 0; gy < grid; gy++)
            for (int gx = 0; gx < grid; gx++)
            {
                int row = 1 + gy * grid + gx;
                for (int i = 0; i < quarter; i++)
                {
                    double omega = 1.0 / Math.Pow(10000, (double)i / quarter);
                    table[row * d + i] = (float)(amplitude * Math.Sin(gx * omega));
                    table[row * d + quarter + i] = (float)(amplitude * Math.Cos(gx * omega));
                    table[row * d + 2 * quarter + i] = (float)(amplitude * Math.Sin(gy * omega));
                    table[row * d + 3 * quarter + i] = (float)(amplitude * Math.Cos(gy * omega));
                }
            }
        var p = model.named_parameters().First(x => x.name == "vision_model.embeddings.position_embedding.weight").parameter;
        using var noGrad = torch.no_grad();
        using var values = torch.tensor(table, [grid * grid + 1, d]);
        p.copy_(values);
    }
}
