using FiSAO.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FiSAO.Models.Llama;

/// <summary>
/// HF <c>LlamaRMSNorm</c>: x / sqrt(mean(x^2) + eps) computed in fp32, cast back to the input dtype, then times
/// <c>weight</c> (no bias, no mean subtraction).
/// </summary>
public sealed class LlamaRmsNorm : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly Parameter weight;
#pragma warning restore IDE1006

    private readonly Scalar _eps; // Float64; disposed with the module

    public LlamaRmsNorm(int hiddenSize, double eps, Device? device = null, ScalarType dtype = ScalarType.Float32)
        : base(nameof(LlamaRmsNorm))
    {
        _eps = eps.ToScalar();
        weight = new Parameter(torch.ones(hiddenSize, dtype: dtype, device: device));
        RegisterComponents();
    }

    public override Tensor forward(Tensor hiddenStates)
    {
        using var scope = torch.NewDisposeScope();
        var inputType = hiddenStates.dtype;
        var h = hiddenStates.to(ScalarType.Float32);
        var variance = h.pow(Scalars.Two).mean([-1L], keepdim: true);
        h = h * torch.rsqrt(variance.add(_eps, Scalars.One));
        return (weight * h.to(inputType)).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _eps.Dispose();
        base.Dispose(disposing);
    }
}
