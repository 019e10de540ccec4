using FiSAO.Models.Llama;
using FiSAO.Models.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Tests.Llama;

/// <summary>The LLaMA building blocks' HF semantics, checked directly (the full stack is checked in LlavaForwardTests).</summary>
public class LlamaModuleTests
{
    private static LlamaConfig Tiny(bool tie = false) => new()
    {
        VocabSize = 50, HiddenSize = 16, IntermediateSize = 24, NumHiddenLayers = 2, NumAttentionHeads = 4, NumKeyValueHeads = 1,
        MaxPositionEmbeddings = 64, RmsNormEps = 1e-6, TieWordEmbeddings = tie,
    };

    [Fact]
    public void Rotary_inverse_frequencies_are_theta_to_the_minus_2i_over_d()
    {
        var rope = new LlamaRotaryEmbedding(8, 10000.0);
        Assert.Equal(4, rope.InverseFrequencies.Count);
        for (var i = 0; i < 4; i++) Assert.Equal(Math.Pow(10000.0, -2.0 * i / 8), rope.InverseFrequencies[i], 6);

        using var scope = torch.NewDisposeScope();
        var (cos, sin) = rope.Forward(torch.tensor(new long[] { 0, 3 }, [1, 2]), ScalarType.Float32);
        Assert.Equal([1, 2, 8], cos.shape);
        // Both halves carry the same angles (HF duplicates freqs); position 0 is the identity rotation.
        TensorAssert.Close(cos.narrow(-1, 0, 4), cos.narrow(-1, 4, 4), 0, 0, "halves");
        Assert.All(TensorAssert.ToFloats(cos[0, 0]), v => Assert.Equal(1f, v));
        Assert.Equal(Math.Sin(3 * rope.InverseFrequencies[1]), TensorAssert.ToFloats(sin[0, 1])[1], 5);
        Assert.Equal([-3f, -4f, 1f, 2f], TensorAssert.ToFloats(LlamaRotaryEmbedding.RotateHalf(torch.tensor(new float[] { 1, 2, 3, 4 }))));
    }

    [Fact]
    public void Rms_norm_scales_by_the_root_mean_square()
    {
        using var norm = new LlamaRmsNorm(4, 1e-6);
        using var scope = torch.NewDisposeScope();
        var y = norm.forward(torch.tensor(new float[] { 1, -2, 3, -4 }, [1, 4]));
        var rms = Math.Sqrt((1 + 4 + 9 + 16) / 4.0 + 1e-6);
        TensorAssert.CloseValues([1 / rms, -2 / rms, 3 / rms, -4 / rms], TensorAssert.ToFloats(y), 1e-6, 1e-6, "rms norm");
    }

    [Fact]
    public void Left_padding_masks_and_positions_follow_hf_generation()
    {
        using var scope = torch.NewDisposeScope();
        var mask = torch.tensor(new long[] { 0, 0, 1, 1, 1, 1, 1, 1, 1, 1 }, [2, 5]);
        Assert.Equal([1L, 1, 0, 1, 2, 0, 1, 2, 3, 4], LlamaModel.PositionIdsFromMask(mask).data<long>().ToArray());

        var additive = LlamaModel.AdditiveMask(mask, past: 0, t: 5, ScalarType.Float32); // [2, 1, 5, 5]
        var blocked = additive.lt(0).to(ScalarType.Int64).data<long>().ToArray();
        // Row 0, query 3 sees keys 2 and 3 only (0, 1 are padding; 4 is in the future).
        Assert.Equal([1L, 1, 0, 0, 1], blocked.Skip(3 * 5).Take(5).ToArray());
        // Row 1 is plain causal.
        Assert.Equal([0L, 0, 0, 1, 1], blocked.Skip(25 + 2 * 5).Take(5).ToArray());
        Assert.Equal(float.MinValue, additive.min().item<float>());
    }

    [Fact]
    public void Tied_head_reuses_the_embedding_matrix()
    {
        using var model = new LlamaForCausalLM(Tiny(tie: true), LlamaAttentionImplementation.Eager);
        Assert.DoesNotContain(model.named_parameters(), p => p.name.StartsWith("lm_head", StringComparison.Ordinal));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var ids = torch.tensor(new long[] { 1, 5, 9 }, [1, 3]);
        var hidden = model.Model.Forward(model.Model.Embed(ids));
        var logits = model.ForwardIds(ids);
        TensorAssert.Close(hidden.matmul(model.Model.EmbedTokens.weight!.t()), logits, 1e-6, 1e-6, "tied logits");
    }

    [Fact]
    public void Sdpa_and_eager_attention_agree_with_gqa_and_padding()
    {
        using var eager = new LlamaForCausalLM(Tiny(), LlamaAttentionImplementation.Eager);
        using var sdpa = new LlamaForCausalLM(Tiny(), LlamaAttentionImplementation.Sdpa);
        sdpa.load_state_dict(eager.state_dict());
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var ids = torch.tensor(new long[] { 0, 0, 4, 8, 15, 16, 23, 42, 7, 3 }, [2, 5]);
        var mask = torch.tensor(new long[] { 0, 0, 1, 1, 1, 1, 1, 1, 1, 1 }, [2, 5]);
        var a = eager.ForwardIds(ids, mask);
        var b = sdpa.ForwardIds(ids, mask);
        TensorAssert.Close(a.narrow(1, 2, 3), b.narrow(1, 2, 3), 1e-5, 1e-5, "eager vs sdpa");
        Assert.False(b.isnan().any().item<bool>()); // fully masked padding rows stay finite
    }

    [Fact]
    public void Kv_cache_refuses_to_overflow()
    {
        var config = Tiny();
        using var model = new LlamaForCausalLM(config);
        using var cache = model.CreateCache(1, 3);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        model.ForwardIds(torch.tensor(new long[] { 1, 2, 3 }, [1, 3]), null, null, cache);
        Assert.Equal(3, cache.Length);
        Assert.Throws<InvalidOperationException>(() => model.ForwardIds(torch.tensor(new long[] { 4 }, [1, 1]), null, null, cache));
    }
}
