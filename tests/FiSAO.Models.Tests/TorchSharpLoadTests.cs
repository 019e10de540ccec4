using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Tests;

public class TorchSharpLoadTests
{
    [Fact]
    public void TorchSharp_initialises_and_computes_in_the_test_process()
    {
        // Fails with TypeInitializationException on Debian 12 unless the build weakened GLIBCXX_3.4.32.
        using var a = arange(6, dtype: ScalarType.Float32).reshape(2, 3);
        using var b = a.matmul(a.t());
        Assert.Equal(new float[] { 5, 14, 14, 50 }, b.data<float>().ToArray());
    }
}
