using FiSAO.Models.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Llama;

/// <summary>HF <c>LlamaDecoderLayer</c>: pre-norm residual block, x + attn(input_layernorm(x)), then x + mlp(post_attention_layernorm(x)).</summary>
public sealed class LlamaDecoderLayer : nn.Module
{
#pragma warning disable IDE1006
    private readonly LlamaAttention self_attn;
    private readonly LlamaMlp mlp;
    private readonly LlamaRmsNorm input_layernorm;
    private readonly LlamaRmsNorm post_attention_layernorm;
#pragma warning restore IDE1006

    public LlamaDecoderLayer(LlamaConfig config, int layerIndex, LlamaAttentionImplementation implementation = LlamaAttentionImplementation.Sdpa,
        Device? device = null, ScalarType dtype = ScalarType.Float32)
        : base(nameof(LlamaDecoderLayer))
    {
        self_attn = new LlamaAttention(config, layerIndex, implementation, device, dtype);
        mlp = new LlamaMlp(config, device, dtype);
        input_layernorm = new LlamaRmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        post_attention_layernorm = new LlamaRmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        RegisterComponents();
    }

    public LlamaAttention SelfAttention => self_attn;

    public LlamaMlp Mlp => mlp;

    public Tensor Forward(Tensor hiddenStates, Tensor cos, Tensor sin, Tensor additiveMask, LlamaKvCache? cache)
    {
        using var scope = torch.NewDisposeScope();
        var h = hiddenStates.add(self_attn.Forward(input_layernorm.forward(hiddenStates), cos, sin, additiveMask, cache), Scalars.One);
        h = h.add(mlp.forward(post_attention_layernorm.forward(h)), Scalars.One);
        return h.MoveToOuterDisposeScope();
    }
}
