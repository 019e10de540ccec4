using FiSAO.Models.Lora;
using FiSAO.Models.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Llama;

/// <summary>
/// HF <c>LlamaAttention</c>: q/k/v/o projections (bias per <c>attention_bias</c>), rotary embedding on q and k,
/// grouped-query attention (each key/value head serves num_attention_heads / num_key_value_heads query heads),
/// optional KV cache. The projections are replaceable (<see cref="ILinearContainer"/>) so LoRA can wrap them.
/// </summary>
public sealed class LlamaAttention : nn.Module, ILinearContainer
{
    private static readonly string[] Names = ["q_proj", "k_proj", "v_proj", "o_proj"];

#pragma warning disable IDE1006
    private nn.Module<Tensor, Tensor> q_proj;
    private nn.Module<Tensor, Tensor> k_proj;
    private nn.Module<Tensor, Tensor> v_proj;
    private nn.Module<Tensor, Tensor> o_proj;
#pragma warning restore IDE1006

    private readonly int _heads;
    private readonly int _kvHeads;
    private readonly int _headDim;
    private readonly Scalar _scaling; // 1 / sqrt(head_dim), Float64; disposed with the module
    private readonly LlamaAttentionImplementation _implementation;

    public LlamaAttention(LlamaConfig config, int layerIndex, LlamaAttentionImplementation implementation = LlamaAttentionImplementation.Sdpa,
        Device? device = null, ScalarType dtype = ScalarType.Float32)
        : base(nameof(LlamaAttention))
    {
        LayerIndex = layerIndex;
        _heads = config.NumAttentionHeads;
        _kvHeads = config.KeyValueHeads;
        _headDim = config.HeadDimension;
        _scaling = Math.Pow(_headDim, -0.5).ToScalar();
        _implementation = implementation;
        var d = config.HiddenSize;
        q_proj = nn.Linear(d, _heads * _headDim, hasBias: config.AttentionBias, device: device, dtype: dtype);
        k_proj = nn.Linear(d, _kvHeads * _headDim, hasBias: config.AttentionBias, device: device, dtype: dtype);
        v_proj = nn.Linear(d, _kvHeads * _headDim, hasBias: config.AttentionBias, device: device, dtype: dtype);
        o_proj = nn.Linear(_heads * _headDim, d, hasBias: config.AttentionBias, device: device, dtype: dtype);
        RegisterComponents();
    }

    public int LayerIndex { get; }

    public IReadOnlyList<string> LinearNames => Names;

    public nn.Module<Tensor, Tensor> GetLinear(string name) => name switch
    {
        "q_proj" => q_proj,
        "k_proj" => k_proj,
        "v_proj" => v_proj,
        "o_proj" => o_proj,
        _ => throw new ArgumentException($"LlamaAttention has no projection '{name}'.", nameof(name)),
    };

    public void SetLinear(string name, nn.Module<Tensor, Tensor> module)
    {
        ArgumentNullException.ThrowIfNull(module);
        _ = GetLinear(name);
        register_module(name, null!); // unregister the old child, keep the name
        switch (name)
        {
            case "q_proj": q_proj = module; break;
            case "k_proj": k_proj = module; break;
            case "v_proj": v_proj = module; break;
            default: o_proj = module; break;
        }
        register_module(name, module);
    }

    /// <param name="hiddenStates">[B, T, hidden].</param>
    /// <param name="cos">Rotary cos [B, T, head_dim].</param>
    /// <param name="sin">Rotary sin [B, T, head_dim].</param>
    /// <param name="additiveMask">[B, 1, T, K] in the activations' dtype: 0 where a query may attend a key, the dtype's
    /// minimum where it may not; K = cached + new positions.</param>
    /// <param name="cache">When given, this layer's new keys/values are appended and attention runs over all cached ones.</param>
    public Tensor Forward(Tensor hiddenStates, Tensor cos, Tensor sin, Tensor additiveMask, LlamaKvCache? cache)
    {
        using var scope = torch.NewDisposeScope();
        var (b, t) = (hiddenStates.shape[0], hiddenStates.shape[1]);
        var q = q_proj.forward(hiddenStates).view(b, t, _heads, _headDim).transpose(1, 2);
        var k = k_proj.forward(hiddenStates).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        var v = v_proj.forward(hiddenStates).view(b, t, _kvHeads, _headDim).transpose(1, 2);

        q = LlamaRotaryEmbedding.Apply(q, cos, sin);
        k = LlamaRotaryEmbedding.Apply(k, cos, sin);
        if (cache is not null) (k, v) = cache.Update(LayerIndex, k, v);

        k = RepeatKv(k, _heads / _kvHeads);
        v = RepeatKv(v, _heads / _kvHeads);

        Tensor context;
        if (_implementation == LlamaAttentionImplementation.Sdpa)
        {
            // Default scale of SDPA is 1 / sqrt(head_dim), HF's scaling.
            context = nn.functional.scaled_dot_product_attention(q, k, v, additiveMask);
        }
        else
        {
            var scores = q.matmul(k.transpose(2, 3)) * _scaling;
            // HF eager: add the mask, softmax in fp32, back to the activations' dtype.
            var probs = scores.to(ScalarType.Float32).add(additiveMask.to(ScalarType.Float32), Scalars.One).softmax(-1).to(q.dtype);
            context = probs.matmul(v);
        }

        context = context.transpose(1, 2).reshape(b, t, _heads * _headDim);
        return o_proj.forward(context).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _scaling.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>HF <c>repeat_kv</c>: [B, kv, T, D] -> [B, kv * n, T, D], each key/value head repeated n times in place.</summary>
    public static Tensor RepeatKv(Tensor x, int n)
    {
        if (n == 1) return x;
        var (b, kv, t, d) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        using var expanded = x.unsqueeze(2).expand(b, kv, n, t, d);
        return expanded.reshape(b, kv * n, t, d);
    }
}
