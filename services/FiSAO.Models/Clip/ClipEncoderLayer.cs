using FiSAO.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FiSAO.Models.Clip;

/// <summary>HF <c>CLIPEncoderLayer</c>: pre-LayerNorm residual block, x + attn(ln1(x)), then x + mlp(ln2(x)).</summary>
public sealed class ClipEncoderLayer : nn.Module<Tensor, Tensor?, Tensor>
{
#pragma warning disable IDE1006
    private readonly LayerNorm layer_norm1;
    private readonly ClipAttention self_attn;
    private readonly LayerNorm layer_norm2;
    private readonly ClipMlp mlp;
#pragma warning restore IDE1006

    public ClipEncoderLayer(int hiddenSize, int intermediateSize, int numHeads, string hiddenAct, double layerNormEps,
        Device? device = null, ScalarType dtype = ScalarType.Float32)
        : base(nameof(ClipEncoderLayer))
    {
        layer_norm1 = nn.LayerNorm(hiddenSize, layerNormEps, device: device, dtype: dtype);
        self_attn = new ClipAttention(hiddenSize, numHeads, device, dtype);
        layer_norm2 = nn.LayerNorm(hiddenSize, layerNormEps, device: device, dtype: dtype);
        mlp = new ClipMlp(hiddenSize, intermediateSize, hiddenAct, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hiddenStates, Tensor? additiveMask)
    {
        using var scope = torch.NewDisposeScope();
        var h = hiddenStates.add(self_attn.forward(layer_norm1.forward(hiddenStates), additiveMask), Scalars.One);
        h = h.add(mlp.forward(layer_norm2.forward(h)), Scalars.One);
        return h.MoveToOuterDisposeScope();
    }
}
