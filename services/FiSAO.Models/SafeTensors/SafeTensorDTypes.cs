using static TorchSharp.torch;

namespace FiSAO.Models.SafeTensors;

/// <summary>The safetensors dtype names we know, and the subset we can turn into tensors.</summary>
public static class SafeTensorDTypes
{
    /// <summary>Element sizes of every dtype the format defines, so headers can be validated even for dtypes we do not load.</summary>
    private static readonly Dictionary<string, int> ElementSizes = new(StringComparer.Ordinal)
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2,
        ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1,
        ["U64"] = 8, ["U32"] = 4, ["U16"] = 2, ["U8"] = 1,
        ["BOOL"] = 1, ["F8_E4M3"] = 1, ["F8_E5M2"] = 1,
    };

    public static bool TryGetElementSize(string dtype, out int size) => ElementSizes.TryGetValue(dtype, out size);

    /// <summary>Model weights only: F32, F16, BF16. Anything else is a clear error naming the tensor.</summary>
    public static ScalarType ToScalarType(string dtype, string tensorName) => dtype switch
    {
        "F32" => ScalarType.Float32,
        "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16,
        _ => throw new NotSupportedException(
            $"Tensor '{tensorName}' has safetensors dtype {dtype}; only F32, F16 and BF16 weights are supported."),
    };

    public static string FormatShape(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}
