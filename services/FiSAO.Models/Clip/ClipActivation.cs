using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Clip;

/// <summary>The MLP activations CLIP checkpoints use (HF <c>ACT2FN</c> names).</summary>
public static class ClipActivation
{
    public const string QuickGelu = "quick_gelu";
    public const string Gelu = "gelu";

    private static readonly Scalar QuickGeluScale = 1.702.ToScalar();

    public static void Validate(string name)
    {
        if (name is not (QuickGelu or Gelu))
            throw new NotSupportedException($"hidden_act '{name}' is not supported; CLIP uses '{QuickGelu}' (openai) or '{Gelu}' (exact erf GELU).");
    }

    public static Tensor Apply(string name, Tensor x) => name switch
    {
        // OpenAI's sigmoid approximation, x * sigmoid(1.702 x), which their checkpoints were trained with.
        QuickGelu => x * (x * QuickGeluScale).sigmoid(),
        Gelu => nn.functional.gelu(x),
        _ => throw new NotSupportedException($"hidden_act '{name}' is not supported."),
    };
}
