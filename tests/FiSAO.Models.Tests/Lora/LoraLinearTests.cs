using FiSAO.Models.Lora;
using FiSAO.Models.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Tests.Lora;

public sealed class LoraLinearTests
{
    [Fact]
    public void With_non_zero_A_and_B_the_output_is_base_plus_alpha_over_r_times_B_A_x()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(17);
        var baseLayer = nn.Linear(6, 5, hasBias: true);
        using (no_grad())
        {
            baseLayer.weight!.copy_(randn([5, 6], generator: generator));
            baseLayer.bias!.copy_(randn([5], generator: generator));
        }
        const int rank = 3;
        const double alpha = 12;                                     // alpha / r = 4, not 1: a wrong scaling shows
        var lora = new LoraLinear(baseLayer, rank, alpha, dropout: 0, ScalarType.Float32);
        var a = randn([rank, 6], generator: generator);
        var b = randn([5, rank], generator: generator);
        using (no_grad())
        {
            lora.LoraA.copy_(a);
            lora.LoraB.copy_(b);
        }
        var x = randn([2, 4, 6], generator: generator);

        var expected = x.matmul(baseLayer.weight!.t()) + baseLayer.bias! + x.matmul(a.t()).matmul(b.t()) * (alpha / rank);
        using (no_grad()) TensorAssert.Close(expected, lora.forward(x), 1e-5, 1e-5, "y = base(x) + (alpha / r) B A x");

        lora.Enabled = false;
        using (no_grad()) TensorAssert.Close(x.matmul(baseLayer.weight!.t()) + baseLayer.bias!, lora.forward(x), 1e-6, 1e-6, "adapter off = base");
    }
}
