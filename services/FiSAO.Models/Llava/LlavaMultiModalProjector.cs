using FiSAO.Models.Clip;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FiSAO.Models.Llava;

/// <summary>
/// HF <c>LlavaMultiModalProjector</c> (LLaVA-1.5's "mlp2x_gelu"): linear_1 (vision width -> text width), activation,
/// linear_2 (text width -> text width), both with bias per <c>multimodal_projector_bias</c>.
/// </summary>
public sealed class LlavaMultiModalProjector : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly Linear linear_1;
    private readonly Linear linear_2;
#pragma warning restore IDE1006

    private readonly string _activation;

    public LlavaMultiModalProjector(int visionHidden, int textHidden, string activation, bool bias = true,
        Device? device = null, ScalarType dtype = ScalarType.Float32)
        : base(nameof(LlavaMultiModalProjector))
    {
        _activation = activation;
        linear_1 = nn.Linear(visionHidden, textHidden, hasBias: bias, device: device, dtype: dtype);
        linear_2 = nn.Linear(textHidden, textHidden, hasBias: bias, device: device, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor imageFeatures)
    {
        using var scope = torch.NewDisposeScope();
        var h = Activate(_activation, linear_1.forward(imageFeatures));
        return linear_2.forward(h).MoveToOuterDisposeScope();
    }

    /// <summary>HF <c>ACT2FN</c> for the names LLaVA configs use.</summary>
    public static Tensor Activate(string name, Tensor x) => name switch
    {
        "gelu" => nn.functional.gelu(x),
        "gelu_pytorch_tanh" => nn.functional.gelu(x, TorchSharp.Modules.GELU.Approximate.tanh),
        "quick_gelu" => ClipActivation.Apply(ClipActivation.QuickGelu, x),
        "relu" => nn.functional.relu(x),
        "silu" => nn.functional.silu(x),
        _ => throw new NotSupportedException($"projector activation '{name}' is not supported."),
    };
}
