using static TorchSharp.torch;

namespace FiSAO.Trainer.Tests.Support;

public static class TensorAssert
{
    public static float[] ToFloats(Tensor t)
    {
        using var cpu = t.detach().to(ScalarType.Float32, CPU).contiguous();
        return cpu.data<float>().ToArray();
    }

    /// <summary>|actual - expected| &lt;= atol + rtol * |expected| elementwise; reports the worst element.</summary>
    public static void Close(Tensor expected, Tensor actual, double atol, double rtol, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        CloseValues(ToFloats(expected), ToFloats(actual), atol, rtol, what);
    }

    public static void CloseValues(IReadOnlyList<float> expected, IReadOnlyList<float> actual, double atol, double rtol, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        var worst = -1;
        var worstExcess = 0.0;
        for (var i = 0; i < expected.Count; i++)
        {
            var excess = Math.Abs(actual[i] - expected[i]) - (atol + rtol * Math.Abs(expected[i]));
            if (excess > worstExcess) { worstExcess = excess; worst = i; }
        }
        Assert.True(worst < 0,
            worst < 0 ? "" : $"{what}: element {worst} is {actual[worst]} but expected {expected[worst]} (atol {atol}, rtol {rtol}).");
    }
}
