using FiSAO.Models.Torch;
using static TorchSharp.torch;

namespace FiSAO.Models.Clip;

/// <summary>
/// Which parts of CLIP run in a half dtype. On CUDA: all of it, as HF's <c>torch_dtype</c> does (uniform). On CPU with
/// bf16 (mixed): the encoder layers, which are nearly all of the work (q/k/v/out and fc1/fc2 projections, both
/// attention products, their residual stream and layer norms, whose statistics libtorch accumulates in fp32); softmax
/// runs in fp32 in any case (<see cref="ClipAttention"/>). The embeddings, the layer norms before and after the
/// encoders, the final projections and the normalisation stay fp32. Keeping the residual stream and every layer norm in
/// fp32 too was measured slower (1.4-1.6x fp32 against 1.8-2.0x) for no needed accuracy: docs/architecture.md,
/// "Precision on CPU".
/// </summary>
public static class ClipPrecision
{
    /// <summary>Whether <paramref name="target"/> runs CLIP in mixed precision (CPU, half dtype).</summary>
    public static bool IsMixed(TorchTarget target) => !target.IsCuda && target.DType != ScalarType.Float32;

    /// <summary>The dtype the modules are built and loaded in: fp32 for mixed precision, else the target's.</summary>
    public static ScalarType StorageDType(TorchTarget target) => IsMixed(target) ? ScalarType.Float32 : target.DType;

    /// <summary>Casts the encoder layers of a model built in <see cref="StorageDType"/> when the target is mixed.</summary>
    public static void Apply(ClipModel model, TorchTarget target)
    {
        if (IsMixed(target)) model.CastEncoderLayers(target.DType);
    }
}
