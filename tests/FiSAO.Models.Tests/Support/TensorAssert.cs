using static TorchSharp.torch;

namespace FiSAO.Models.Tests.Support;

public static class TensorAssert
{
    public static float[] ToFloats(Tensor t)
    {
        using var cpu = t.detach().to(ScalarType.Float32, CPU).contiguous();
        return cpu.data<float>().ToArray();
    }

    /// <summary>|actual - expected| &lt;= atol + rtol * |expected| elementwise; reports the worst element.</summary>
    public static void CloseValues(IReadOnlyList<double> expected, IReadOnlyList<float> actual, double atol, double rtol, string what)
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

    public static void Close(Tensor expected, Tensor actual, double atol, double rtol, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        CloseValues(ToFloats(expected).Select(f => (double)f).ToArray(), ToFloats(actual), atol, rtol, what);
    }

    /// <summary>Same shape and bitwise-equal values (TorchSharp's Tensor.equal is elementwise, not torch.equal).</summary>
    public static bool Same(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape)) return false;
        using var eq = a.eq(b);
        using var all = eq.all();
        return all.item<bool>();
    }

    public static double MaxAbsDiff(IReadOnlyList<double> a, IReadOnlyList<double> b) =>
        a.Select((x, i) => Math.Abs(x - b[i])).Max();
}
