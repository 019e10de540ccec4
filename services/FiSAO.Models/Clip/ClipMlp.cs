using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FiSAO.Models.Clip;

/// <summary>HF <c>CLIPMLP</c>: fc1 -> activation (quick_gelu or gelu) -> fc2.</summary>
public sealed class ClipMlp : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly Linear fc1;
    private readonly Linear fc2;
#pragma warning restore IDE1006

    private readonly string _activation;

    public ClipMlp(int hiddenSize, int intermediateSize, string hiddenAct, Device? device = null, ScalarType dtype = ScalarType.Float32)
        : base(nameof(ClipMlp))
    {
        ClipActivation.Validate(hiddenAct);
        _activation = hiddenAct;
        fc1 = nn.Linear(hiddenSize, intermediateSize, hasBias: true, device: device, dtype: dtype);
        fc2 = nn.Linear(intermediateSize, hiddenSize, hasBias: true, device: device, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hiddenStates)
    {
        using var scope = torch.NewDisposeScope();
        var h = ClipActivation.Apply(_activation, fc1.forward(hiddenStates));
        return fc2.forward(h).MoveToOuterDisposeScope();
    }
}
