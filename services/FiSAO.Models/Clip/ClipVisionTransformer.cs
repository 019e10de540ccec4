using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FiSAO.Models.Clip;

/// <summary>
/// HF <c>CLIPVisionTransformer</c>: embeddings, <c>pre_layrnorm</c> (HF's spelling), encoder, and <c>post_layernorm</c>
/// on the class token as the pooled output. Also the LLaVA vision tower, which reads the penultimate hidden state.
/// </summary>
public sealed class ClipVisionTransformer : nn.Module<Tensor, ClipTransformerOutput>
{
#pragma warning disable IDE1006
    private readonly ClipVisionEmbeddings embeddings;
    private readonly LayerNorm pre_layrnorm;
    private readonly ClipEncoder encoder;
    private readonly LayerNorm post_layernorm;
#pragma warning restore IDE1006

    public ClipVisionTransformer(ClipVisionConfig config, Device? device = null, ScalarType dtype = ScalarType.Float32)
        : base(nameof(ClipVisionTransformer))
    {
        config.Validate();
        Config = config;
        embeddings = new ClipVisionEmbeddings(config, device, dtype);
        pre_layrnorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps, device: device, dtype: dtype);
        encoder = new ClipEncoder(config.NumHiddenLayers, () => new ClipEncoderLayer(
            config.HiddenSize, config.IntermediateSize, config.NumAttentionHeads, config.HiddenAct, config.LayerNormEps, device, dtype));
        post_layernorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps, device: device, dtype: dtype);
        RegisterComponents();
    }

    public ClipVisionConfig Config { get; }

    /// <inheritdoc cref="ClipEncoder.CastLayers"/>
    public void CastEncoderLayers(ScalarType dtype) => encoder.CastLayers(dtype);

    public override ClipTransformerOutput forward(Tensor pixelValues) => Forward(pixelValues, outputHiddenStates: false);

    /// <param name="pixelValues">[B, C, H, W] normalised pixels, H = W = image_size.</param>
    /// <param name="outputHiddenStates">
    /// Also return HF's <c>hidden_states</c>: pre_layrnorm output then each layer's output (NumHiddenLayers + 1 tensors);
    /// LLaVA uses [^2] (the penultimate layer) without the class token.
    /// </param>
    public ClipTransformerOutput Forward(Tensor pixelValues, bool outputHiddenStates)
    {
        using var scope = torch.NewDisposeScope();
        var h = pre_layrnorm.forward(embeddings.forward(pixelValues));
        var states = outputHiddenStates ? new List<Tensor>() : null;
        var last = encoder.Forward(h, null, states);
        var pooled = post_layernorm.forward(last.select(1, 0));
        return new ClipTransformerOutput(last, pooled, states).MoveToOuterDisposeScope();
    }
}
