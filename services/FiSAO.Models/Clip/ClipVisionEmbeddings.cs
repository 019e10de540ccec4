using FiSAO.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FiSAO.Models.Clip;

/// <summary>
/// HF <c>CLIPVisionEmbeddings</c>: non-overlapping patch conv (no bias), a learned class token in front, and learned
/// absolute position embeddings for the class token plus every patch.
/// </summary>
public sealed class ClipVisionEmbeddings : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly Parameter class_embedding;
    private readonly Conv2d patch_embedding;
    private readonly Embedding position_embedding;
#pragma warning restore IDE1006

    private readonly ClipVisionConfig _config;

    public ClipVisionEmbeddings(ClipVisionConfig config, Device? device = null, ScalarType dtype = ScalarType.Float32)
        : base(nameof(ClipVisionEmbeddings))
    {
        _config = config;
        using (var noise = torch.randn(config.HiddenSize, dtype: dtype, device: device))
        using (var std = Math.Pow(config.HiddenSize, -0.5).ToScalar())
            class_embedding = new Parameter(noise * std); // HF's init; loading overwrites it
        patch_embedding = nn.Conv2d(config.NumChannels, config.HiddenSize, kernel_size: config.PatchSize, stride: config.PatchSize,
            bias: false, device: device, dtype: dtype);
        position_embedding = nn.Embedding(config.NumPositions, config.HiddenSize, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <param name="pixelValues">[B, C, image_size, image_size]; cast to the weights' dtype like HF.</param>
    public override Tensor forward(Tensor pixelValues)
    {
        var shape = pixelValues.shape;
        if (shape.Length != 4 || shape[1] != _config.NumChannels || shape[2] != _config.ImageSize || shape[3] != _config.ImageSize)
            throw new ArgumentException(
                $"pixel_values must be [batch, {_config.NumChannels}, {_config.ImageSize}, {_config.ImageSize}], got [{string.Join(", ", shape)}].",
                nameof(pixelValues));

        using var scope = torch.NewDisposeScope();
        var weight = patch_embedding.weight!;
        var patches = patch_embedding.forward(pixelValues.to(weight.dtype, weight.device)); // [B, D, g, g]
        patches = patches.flatten(2).transpose(1, 2);                                        // [B, g*g, D]
        var cls = class_embedding.view(1, 1, -1).expand(shape[0], 1, -1);
        var embeddings = torch.cat([cls, patches], 1).add(position_embedding.weight!, Scalars.One);
        return embeddings.MoveToOuterDisposeScope();
    }
}
