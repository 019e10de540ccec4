using FiSAO.Models.Torch;
using static TorchSharp.torch;

namespace FiSAO.Models.Clip;

/// <summary>
/// Which parts of CLIP run in a half dtype. On CUDA: all of it, as HF's <c>torch_dtype</c> does (uniform). On CPU with
/// bf16 (mixed): only the encoder layers' matrix products, which are nearly all of the work: the q/k/v/out and fc1/fc2
/// projections and both attention products. The embeddings, layer norms, the residual stream, softmax, the final
/// projection and the normalisation stay fp32. docs/architecture.md ("Precision on CPU") has the measurements.
/// </summary>
public static class ClipPrecision
{
    /// <summary>Whether <paramref name="target"/> runs CLIP in mixed precision (CPU, half dtype).</summary>
    public static bool IsMixed(TorchTarget target) => !target.IsCuda && target.DType != ScalarType.Float32;

    /// <summary>The dtype the modules are built and loaded in: fp32 for mixed precision, else the target's.</summary>
    public static ScalarType StorageDType(TorchTarget target) => IsMixed(target) ? ScalarType.Float32 : target.DType;

    /// <summary>Casts the matrix products of a model built in <see cref="StorageDType"/> when the target is mixed.</summary>
    public static void Apply(ClipModel model, TorchTarget target)
    {
        if (IsMixed(target)) model.CastMatrixProducts(target.DType);
    }
}
