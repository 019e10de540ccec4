using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Torch;

/// <summary>
/// TorchSharp scalars that stay alive for the whole native call that reads them. Wherever a TorchSharp parameter has
/// type <see cref="Scalar"/>, pass one of these or a scalar you hold; never let C# convert a number implicitly.
/// </summary>
/// <remarks>
/// Why: a <see cref="Scalar"/> owns a native c10::Scalar and frees it in its finalizer. One made by an implicit
/// conversion (<c>t * 0.5</c>, <c>masked_fill(mask, -1e4)</c>, <c>clamp(0, 1)</c>, <c>eq(3)</c>, ...) is unreferenced
/// once TorchSharp has read its handle, so a GC during the native call can finalize it and free the c10::Scalar while
/// libtorch still reads it: "Expected false to be true ... toFloat at c10/core/Scalar.h:140", or a wrong value.
/// TorchSharp 0.107 does this itself in <c>a + b</c> / <c>a.add(b)</c> / <c>t.add(scalar)</c> (alpha 1: use
/// <c>add(x, Scalars.One)</c>), <c>arange(start, stop)</c> / <c>arange(stop)</c> (start 0, step 1: pass all three),
/// <c>square()</c> (use <c>pow(Scalars.Two)</c>) and <c>Tensor.ToDouble()</c> / <c>ToInt64()</c> (use the methods
/// below). Upstream: dotnet/TorchSharp PR #1434 and #1496, not released as of 0.107.
/// Constants: static readonly fields, never finalized while the type lives. Per-module values: Scalar fields made in
/// the constructor and disposed in the module's <c>Dispose(bool)</c>. Per-call values: <c>using var s = x.ToScalar();</c>.
/// <c>ToScalar()</c> on a value of the same C# type makes the scalar the implicit conversion made (int/long integer,
/// double Float64, float Float32), so results are bit-identical.
/// </remarks>
public static class Scalars
{
    /// <summary>The integer 0.</summary>
    public static readonly Scalar Zero = 0.ToScalar();

    /// <summary>The integer 1: the alpha of <c>a.add(b, Scalars.One)</c>, the step of <c>arange</c>.</summary>
    public static readonly Scalar One = 1.ToScalar();

    /// <summary>The integer 2.</summary>
    public static readonly Scalar Two = 2.ToScalar();

    /// <summary>The boolean false.</summary>
    public static readonly Scalar False = false.ToScalar();

    /// <summary>double.NegativeInfinity (Float64).</summary>
    public static readonly Scalar NegativeInfinity = double.NegativeInfinity.ToScalar();

    /// <summary>The value of a one-element tensor as a double, as <c>Tensor.ToDouble()</c> reads it.</summary>
    public static double ToDouble(Tensor tensor)
    {
        using var value = tensor.ToScalar();
        return value.ToDouble();
    }

    /// <summary>The value of a one-element tensor as a long, as <c>Tensor.ToInt64()</c> reads it.</summary>
    public static long ToInt64(Tensor tensor)
    {
        using var value = tensor.ToScalar();
        return value.ToInt64();
    }
}
