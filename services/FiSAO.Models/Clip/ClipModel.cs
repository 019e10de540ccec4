using FiSAO.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FiSAO.Models.Clip;

/// <summary>
/// HF <c>CLIPModel</c>: text and vision transformers, bias-free projections into the joint space, and the learned
/// <c>logit_scale</c> (log of the inverse temperature). state_dict keys equal HF's.
/// </summary>
public sealed class ClipModel : nn.Module
{
#pragma warning disable IDE1006
    private readonly ClipTextTransformer text_model;
    private readonly ClipVisionTransformer vision_model;
    private readonly Linear visual_projection;
    private readonly Linear text_projection;
    private readonly Parameter logit_scale;
#pragma warning restore IDE1006

    public ClipModel(ClipConfig config, Device? device = null, ScalarType dtype = ScalarType.Float32) : base(nameof(ClipModel))
    {
        config.Validate();
        Config = config;
        Device = device ?? torch.CPU;
        DType = dtype;
        EncoderDType = dtype;
        text_model = new ClipTextTransformer(config.TextConfig, device, dtype);
        vision_model = new ClipVisionTransformer(config.VisionConfig, device, dtype);
        visual_projection = nn.Linear(config.VisionConfig.HiddenSize, config.ProjectionDim, hasBias: false, device: device, dtype: dtype);
        text_projection = nn.Linear(config.TextConfig.HiddenSize, config.ProjectionDim, hasBias: false, device: device, dtype: dtype);
        using (var init = config.LogitScaleInitValue.ToScalar())
            logit_scale = new Parameter(torch.full(Array.Empty<long>(), init, dtype: dtype, device: device));
        RegisterComponents();
        eval();
    }

    public ClipConfig Config { get; }

    public Device Device { get; }

    /// <summary>The dtype of the embeddings, the layer norms around the encoders, the projections and the features.</summary>
    public ScalarType DType { get; }

    /// <summary>The dtype the encoder layers run in: <see cref="DType"/> unless <see cref="CastEncoderLayers"/> changed it.</summary>
    public ScalarType EncoderDType { get; private set; }

    public ClipTextTransformer TextModel => text_model;

    public ClipVisionTransformer VisionModel => vision_model;

    /// <summary>The raw <c>logit_scale</c> parameter (a log value, 4.6052 = ln 100 in openai checkpoints).</summary>
    public double LogitScale
    {
        get
        {
            using var value = logit_scale.detach().to(ScalarType.Float64, torch.CPU);
            return value.item<double>();
        }
    }

    /// <summary>exp(logit_scale): the factor HF multiplies cosine similarities by in <c>logits_per_image</c>.</summary>
    public double LogitScaleExp => Math.Exp(LogitScale);

    /// <summary>
    /// Mixed precision (<see cref="ClipPrecision"/>): the encoder layers of both towers run in <paramref name="dtype"/>;
    /// the embeddings, the layer norms before and after the encoders, the projections and the features stay in <see cref="DType"/>.
    /// </summary>
    public void CastEncoderLayers(ScalarType dtype)
    {
        text_model.CastEncoderLayers(dtype);
        vision_model.CastEncoderLayers(dtype);
        EncoderDType = dtype;
    }

    /// <summary>Loads a HF CLIP checkpoint folder (config.json + safetensors), strictly and key-exact.</summary>
    public static ClipModel FromPretrained(string directory, TorchTarget target) => ClipCheckpointLoader.LoadClipModel(directory, target);

    /// <inheritdoc cref="FromPretrained(string, TorchTarget)"/>
    public static ClipModel FromPretrained(string directory, string device = "cpu", string dtype = "fp32") =>
        FromPretrained(directory, TorchTarget.Parse(device, dtype));

    /// <summary>
    /// HF <c>get_image_features</c>: projected, unnormalised image embeddings [B, projection_dim] in the model's dtype
    /// and device. Inputs are moved/cast as needed.
    /// </summary>
    /// <param name="pixelValues">[B, 3, image_size, image_size], CLIP-normalised.</param>
    public Tensor GetImageFeatures(Tensor pixelValues)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var pooled = vision_model.forward(pixelValues.to(DType, Device)).PooledOutput;
        return visual_projection.forward(pooled).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// HF <c>logits_per_image</c> [B_image, B_text]: cosine similarity of the L2-normalised features times exp(logit_scale).
    /// Computed in fp32 whatever the model dtype.
    /// </summary>
    public Tensor LogitsPerImage(Tensor imageFeatures, Tensor textFeatures)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var image = imageFeatures.to(ScalarType.Float32, Device);
        var text = textFeatures.to(ScalarType.Float32, Device);
        image = image / image.pow(Scalars.Two).sum(-1, keepdim: true).sqrt();
        text = text / text.pow(Scalars.Two).sum(-1, keepdim: true).sqrt();
        using var scale = LogitScaleExp.ToScalar();
        return (image.matmul(text.t()) * scale).MoveToOuterDisposeScope();
    }

    /// <summary>HF <c>get_text_features</c>: projected, unnormalised text embeddings [B, projection_dim].</summary>
    /// <param name="inputIds">[B, L] token ids.</param>
    /// <param name="attentionMask">Optional [B, L], 1 = token, 0 = padding.</param>
    public Tensor GetTextFeatures(Tensor inputIds, Tensor? attentionMask = null)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var pooled = text_model.forward(inputIds.to(ScalarType.Int64, Device), attentionMask?.to(Device)).PooledOutput;
        return text_projection.forward(pooled).MoveToOuterDisposeScope();
    }
}
