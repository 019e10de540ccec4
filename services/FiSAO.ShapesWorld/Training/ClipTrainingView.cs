using FiSAO.Models.Clip;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FiSAO.ShapesWorld.Training;

/// <summary>
/// Differentiable access to a <see cref="ClipModel"/>: <c>GetImageFeatures</c>/<c>GetTextFeatures</c> run under no_grad
/// for serving, and the projections and <c>logit_scale</c> are private. This view finds them through TorchSharp's own
/// module registry (<c>named_children</c>, <c>named_parameters</c>: the HF key names), so training uses exactly the
/// modules that are saved and served. Proposed for FiSAO.Models: public <c>VisualProjection</c>,
/// <c>TextProjection</c>, <c>LogitScaleParameter</c> (or <c>ImageEmbeddings</c>/<c>TextEmbeddings</c> with grad).
/// </summary>
public sealed class ClipTrainingView
{
    public ClipTrainingView(ClipModel model)
    {
        Model = model;
        var children = model.named_children().ToDictionary(c => c.name, c => c.module, StringComparer.Ordinal);
        VisualProjection = children.GetValueOrDefault("visual_projection") as Linear
            ?? throw new InvalidOperationException("ClipModel has no 'visual_projection' Linear child.");
        TextProjection = children.GetValueOrDefault("text_projection") as Linear
            ?? throw new InvalidOperationException("ClipModel has no 'text_projection' Linear child.");
        PostLayerNorm = model.VisionModel.named_children().FirstOrDefault(c => c.name == "post_layernorm").module as LayerNorm
            ?? throw new InvalidOperationException("The CLIP vision tower has no 'post_layernorm' LayerNorm child.");
        LogitScale = model.named_parameters().FirstOrDefault(p => p.name == "logit_scale").parameter
            ?? throw new InvalidOperationException("ClipModel has no 'logit_scale' parameter.");
    }

    public ClipModel Model { get; }
    public Linear VisualProjection { get; }
    public Linear TextProjection { get; }

    /// <summary>The vision tower's final LayerNorm (applied to the class token for pooling).</summary>
    public LayerNorm PostLayerNorm { get; }

    /// <summary>The raw (log) logit scale parameter.</summary>
    public Parameter LogitScale { get; }

    /// <summary>Projected image features [B, P] with gradient.</summary>
    public Tensor ImageFeatures(Tensor pixels) => VisualProjection.forward(Model.VisionModel.forward(pixels).PooledOutput);

    /// <summary>
    /// Projected image features [B, P] and the patch tokens mapped into the same space the same way
    /// (post_layernorm, visual_projection) [B, N, P], with gradient.
    /// </summary>
    public (Tensor Image, Tensor Patches) ImageAndPatchFeatures(Tensor pixels)
    {
        var output = Model.VisionModel.forward(pixels);
        var patches = output.LastHiddenState.narrow(1, 1, output.LastHiddenState.shape[1] - 1);
        return (VisualProjection.forward(output.PooledOutput), VisualProjection.forward(PostLayerNorm.forward(patches)));
    }

    /// <summary>Projected text features [B, P] with gradient.</summary>
    public Tensor TextFeatures(Tensor ids, Tensor? mask) => TextProjection.forward(Model.TextModel.forward(ids, mask).PooledOutput);

    /// <summary>Parameters that get weight decay (matrices: linear and embedding weights) and those that do not
    /// (biases, LayerNorm, class embedding, logit scale).</summary>
    public (List<Parameter> Decay, List<Parameter> NoDecay) ParameterGroups()
    {
        var decay = new List<Parameter>();
        var noDecay = new List<Parameter>();
        foreach (var (name, p) in Model.named_parameters())
        {
            bool matrix = p.dim() >= 2 && !name.Contains("norm", StringComparison.Ordinal);
            (matrix ? decay : noDecay).Add(p);
        }
        return (decay, noDecay);
    }
}
