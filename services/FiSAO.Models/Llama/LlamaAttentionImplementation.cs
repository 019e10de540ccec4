namespace FiSAO.Models.Llama;

/// <summary>How attention is computed (HF's <c>attn_implementation</c>); both give the same result up to rounding.</summary>
public enum LlamaAttentionImplementation
{
    /// <summary>
    /// torch's scaled_dot_product_attention (fused kernels on CUDA: memory linear in the sequence length, which training
    /// a 7B policy on 600+ image tokens needs).
    /// </summary>
    Sdpa = 0,

    /// <summary>HF's eager path: explicit q k^T / sqrt(d) scores, softmax in fp32; the readable reference.</summary>
    Eager,
}
