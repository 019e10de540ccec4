using FiSAO.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FiSAO.Models.Clip;

/// <summary>HF <c>CLIPAttention</c>: multi-head self-attention with biased q/k/v/out projections (eager semantics).</summary>
public sealed class ClipAttention : nn.Module<Tensor, Tensor?, Tensor>
{
    // Field names are the HF weight names: RegisterComponents turns them into state_dict keys.
#pragma warning disable IDE1006
    private readonly Linear q_proj;
    private readonly Linear k_proj;
    private readonly Linear v_proj;
    private readonly Linear out_proj;
#pragma warning restore IDE1006

    private readonly int _heads;
    private readonly int _headDim;
    private readonly Scalar _scale; // 1 / sqrt(head_dim), Float64; disposed with the module

    public ClipAttention(int hiddenSize, int numHeads, Device? device = null, ScalarType dtype = ScalarType.Float32)
        : base(nameof(ClipAttention))
    {
        _heads = numHeads;
        _headDim = hiddenSize / numHeads;
        _scale = (1.0 / Math.Sqrt(_headDim)).ToScalar();
        q_proj = nn.Linear(hiddenSize, hiddenSize, hasBias: true, device: device, dtype: dtype);
        k_proj = nn.Linear(hiddenSize, hiddenSize, hasBias: true, device: device, dtype: dtype);
        v_proj = nn.Linear(hiddenSize, hiddenSize, hasBias: true, device: device, dtype: dtype);
        out_proj = nn.Linear(hiddenSize, hiddenSize, hasBias: true, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <param name="hiddenStates">[B, T, D].</param>
    /// <param name="additiveMask">Optional fp32 [B or 1, 1, T, T] added to the scores (large negative = blocked).</param>
    public override Tensor forward(Tensor hiddenStates, Tensor? additiveMask)
    {
        using var scope = torch.NewDisposeScope();
        var (b, t, d) = (hiddenStates.shape[0], hiddenStates.shape[1], hiddenStates.shape[2]);
        var q = q_proj.forward(hiddenStates).view(b, t, _heads, _headDim).transpose(1, 2);
        var k = k_proj.forward(hiddenStates).view(b, t, _heads, _headDim).transpose(1, 2);
        var v = v_proj.forward(hiddenStates).view(b, t, _heads, _headDim).transpose(1, 2);

        var scores = q.matmul(k.transpose(-1, -2)) * _scale;
        // Softmax in fp32 as HF's eager path does; the mask is fp32 too, so half-precision scores cannot overflow to -inf.
        var scores32 = scores.to(ScalarType.Float32);
        if (additiveMask is not null) scores32 = scores32.add(additiveMask, Scalars.One);
        var probs = scores32.softmax(-1).to(hiddenStates.dtype);

        var context = probs.matmul(v).transpose(1, 2).reshape(b, t, d);
        return out_proj.forward(context).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _scale.Dispose();
        base.Dispose(disposing);
    }
}
