using FiSAO.Models.Clip;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Llava;

/// <summary>
/// HF <c>CLIPVisionModel</c> as LLaVA's <c>vision_tower</c>: a wrapper whose only child is <c>vision_model</c>
/// (<see cref="ClipVisionTransformer"/>), so keys read <c>vision_tower.vision_model.*</c> as in llava-hf checkpoints.
/// </summary>
public sealed class LlavaVisionTower : nn.Module
{
#pragma warning disable IDE1006
    private readonly ClipVisionTransformer vision_model;
#pragma warning restore IDE1006

    public LlavaVisionTower(ClipVisionConfig config, Device? device = null, ScalarType dtype = ScalarType.Float32)
        : base(nameof(LlavaVisionTower))
    {
        vision_model = new ClipVisionTransformer(config, device, dtype);
        RegisterComponents();
    }

    public ClipVisionTransformer VisionModel => vision_model;
}
