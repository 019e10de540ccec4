using FiSAO.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FiSAO.Models.Clip;

/// <summary>
/// HF <c>CLIPTextTransformer</c>: embeddings, causal encoder (plus optional padding mask), final LayerNorm, and pooling
/// at the end-of-text token.
/// </summary>
public sealed class ClipTextTransformer : nn.Module<Tensor, Tensor?, ClipTransformerOutput>
{
    /// <summary>The eos_token_id of configs written before HF PR #24773 (openai checkpoints).</summary>
    public const int LegacyEosTokenId = 2;

    /// <summary>The additive mask's value for a blocked key (fp32's most negative finite value).</summary>
    private static readonly Scalar BlockedScore = float.MinValue.ToScalar();

#pragma warning disable IDE1006
    private readonly ClipTextEmbeddings embeddings;
    private readonly ClipEncoder encoder;
    private readonly LayerNorm final_layer_norm;
#pragma warning restore IDE1006

    public ClipTextTransformer(ClipTextConfig config, Device? device = null, ScalarType dtype = ScalarType.Float32)
        : base(nameof(ClipTextTransformer))
    {
        config.Validate();
        Config = config;
        embeddings = new ClipTextEmbeddings(config, device, dtype);
        encoder = new ClipEncoder(config.NumHiddenLayers, () => new ClipEncoderLayer(
            config.HiddenSize, config.IntermediateSize, config.NumAttentionHeads, config.HiddenAct, config.LayerNormEps, device, dtype));
        final_layer_norm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps, device: device, dtype: dtype);
        RegisterComponents();
    }

    public ClipTextConfig Config { get; }

    /// <inheritdoc cref="ClipEncoder.CastLayers"/>
    public void CastEncoderLayers(ScalarType dtype) => encoder.CastLayers(dtype);

    /// <param name="inputIds">[B, L] token ids on the module's device (any integer type).</param>
    /// <param name="attentionMask">Optional [B, L], 1 = token, 0 = padding (keys at padding are not attended).</param>
    public override ClipTransformerOutput forward(Tensor inputIds, Tensor? attentionMask)
    {
        if (inputIds.dim() != 2)
            throw new ArgumentException($"input_ids must be [batch, length], got {FormatShape(inputIds.shape)}.", nameof(inputIds));
        if (attentionMask is not null && !attentionMask.shape.SequenceEqual(inputIds.shape))
            throw new ArgumentException($"attention_mask {FormatShape(attentionMask.shape)} must match input_ids {FormatShape(inputIds.shape)}.", nameof(attentionMask));

        using var scope = torch.NewDisposeScope();
        var ids = inputIds.to(ScalarType.Int64);
        var h = embeddings.forward(ids);
        var mask = BuildAdditiveMask(ids.shape[0], ids.shape[1], attentionMask, h.device);
        var last = final_layer_norm.forward(encoder.forward(h, mask));

        var pooled = last.gather(1, PoolingIndex(ids).view(-1, 1, 1).expand(-1, 1, last.shape[2])).squeeze(1);
        return new ClipTransformerOutput(last, pooled).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// HF's pooling rule: legacy configs (eos_token_id == 2) take the argmax of the ids (openai's end-of-text 49407 is the
    /// largest id); otherwise the first position holding eos_token_id (0 when absent, as in HF).
    /// </summary>
    private Tensor PoolingIndex(Tensor ids)
    {
        if (Config.EosTokenId == LegacyEosTokenId) return ids.argmax(-1);
        using var eos = Config.EosTokenId.ToScalar();
        return ids.eq(eos).to(ScalarType.Int32).argmax(-1);
    }

    /// <summary>fp32 [B, 1, L, L] mask: float.MinValue where a query may not see a key (future token or padding), else 0.</summary>
    private static Tensor BuildAdditiveMask(long batch, long length, Tensor? attentionMask, Device device)
    {
        var blocked = torch.ones(length, length, ScalarType.Bool, device).triu(1).view(1, 1, length, length);
        if (attentionMask is not null)
            blocked = blocked.logical_or(attentionMask.to(device).eq(Scalars.Zero).view(batch, 1, 1, length));
        // masked_fill (not adding two minima) keeps every entry finite, so fully masked rows stay NaN-free.
        return torch.zeros(blocked.shape[0], 1, length, length, ScalarType.Float32, device)
            .masked_fill(blocked, BlockedScore);
    }

    private static string FormatShape(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
