using FiSAO.Models.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Llama;

/// <summary>
/// HF <c>LlamaRotaryEmbedding</c> with the default rope type: inv_freq[i] = 1 / theta^(2i / head_dim), computed in fp32
/// as HF does; cos/sin of position * inv_freq, duplicated over both halves of the head, computed in fp32 and cast to
/// the activations' dtype. No parameters or buffers (HF's inv_freq is a non-persistent buffer, never in checkpoints).
/// </summary>
public sealed class LlamaRotaryEmbedding : nn.Module
{
    private readonly float[] _invFreq;

    public LlamaRotaryEmbedding(int headDim, double theta) : base(nameof(LlamaRotaryEmbedding))
    {
        if (headDim <= 0 || headDim % 2 != 0) throw new ArgumentOutOfRangeException(nameof(headDim), headDim, "head_dim must be positive and even.");
        HeadDim = headDim;
        // HF: 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim)), all in fp32 on CPU.
        using var scope = torch.NewDisposeScope();
        using var stop = headDim.ToScalar();
        using var dim = ((float)headDim).ToScalar();
        var exponents = torch.arange(Scalars.Zero, stop, Scalars.Two, dtype: ScalarType.Int64).to(ScalarType.Float32) / dim;
        var powers = torch.pow(torch.tensor((float)theta), exponents);
        var inv = powers.reciprocal();
        _invFreq = inv.data<float>().ToArray();
    }

    public int HeadDim { get; }

    /// <summary>The fp32 inverse frequencies (head_dim / 2 values).</summary>
    public IReadOnlyList<float> InverseFrequencies => _invFreq;

    /// <summary>cos and sin, each [B, T, head_dim] in <paramref name="dtype"/>, for integer <paramref name="positionIds"/> [B, T].</summary>
    public (Tensor Cos, Tensor Sin) Forward(Tensor positionIds, ScalarType dtype)
    {
        using var scope = torch.NewDisposeScope();
        var inv = torch.tensor(_invFreq, device: positionIds.device);
        var freqs = positionIds.to(ScalarType.Float32).unsqueeze(-1) * inv; // [B, T, D/2], one fp32 product each as in HF
        var emb = torch.cat([freqs, freqs], -1);
        var cos = emb.cos().to(dtype);
        var sin = emb.sin().to(dtype);
        return (cos.MoveToOuterDisposeScope(), sin.MoveToOuterDisposeScope());
    }

    /// <summary>HF <c>apply_rotary_pos_emb</c> for one of q/k [B, H, T, D] with cos/sin [B, T, D].</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = torch.NewDisposeScope();
        var c = cos.unsqueeze(1);
        var s = sin.unsqueeze(1);
        return (x * c).add(RotateHalf(x) * s, Scalars.One).MoveToOuterDisposeScope();
    }

    /// <summary>HF <c>rotate_half</c>: (x1, x2) -> (-x2, x1) over the two halves of the last dimension.</summary>
    public static Tensor RotateHalf(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var half = x.shape[^1] / 2;
        var x1 = x.narrow(-1, 0, half);
        var x2 = x.narrow(-1, half, half);
        return torch.cat([-x2, x1], -1).MoveToOuterDisposeScope();
    }
}
