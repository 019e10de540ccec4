using FiSAO.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FiSAO.Models.Llama;

/// <summary>
/// HF <c>LlamaModel</c>: <c>embed_tokens</c>, <c>layers.N</c>, final <c>norm</c>; the rotary embedding holds no weights.
/// Masks and positions follow HF generation: a 0/1 attention mask over all (cached + new) positions blocks padding keys,
/// attention is causal, and position ids default to cumsum(mask) - 1 (1 on padding), so a left-padded row gets the
/// positions it would have alone.
/// </summary>
public sealed class LlamaModel : nn.Module
{
#pragma warning disable IDE1006
    private readonly Embedding embed_tokens;
    private readonly ModuleList<LlamaDecoderLayer> layers;
    private readonly LlamaRmsNorm norm;
#pragma warning restore IDE1006

    private readonly LlamaRotaryEmbedding _rotary;

    public LlamaModel(LlamaConfig config, LlamaAttentionImplementation implementation = LlamaAttentionImplementation.Sdpa,
        Device? device = null, ScalarType dtype = ScalarType.Float32)
        : base(nameof(LlamaModel))
    {
        config.Validate();
        Config = config;
        embed_tokens = nn.Embedding(config.VocabSize, config.HiddenSize, device: device, dtype: dtype);
        layers = new ModuleList<LlamaDecoderLayer>(Enumerable.Range(0, config.NumHiddenLayers)
            .Select(i => new LlamaDecoderLayer(config, i, implementation, device, dtype)).ToArray());
        norm = new LlamaRmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        _rotary = new LlamaRotaryEmbedding(config.HeadDimension, config.RopeTheta);
        RegisterComponents();
    }

    public LlamaConfig Config { get; }

    public Embedding EmbedTokens => embed_tokens;

    public IReadOnlyList<LlamaDecoderLayer> Layers => layers.ToArray();

    public LlamaRotaryEmbedding RotaryEmbedding => _rotary;

    /// <summary>
    /// Activation checkpointing per decoder layer (HF's gradient checkpointing) when autograd is on and no KV cache is
    /// used: see <see cref="DecoderLayerCheckpoint"/>. Same outputs and gradients, less memory, one more forward.
    /// </summary>
    public bool GradientCheckpointing { get; set; }

    /// <summary>Token embeddings [B, T, hidden] of <paramref name="inputIds"/> [B, T].</summary>
    public Tensor Embed(Tensor inputIds) => embed_tokens.forward(inputIds);

    /// <param name="inputsEmbeds">[B, T, hidden] embeddings of the T new positions.</param>
    /// <param name="attentionMask">[B, past + T], 1 = real token, 0 = padding; null = all real.</param>
    /// <param name="positionIds">[B, T]; null = HF's cumsum(mask) - 1 over the mask, last T columns.</param>
    /// <param name="cache">KV cache holding the past positions; receives the new ones and advances by T.</param>
    /// <returns>Final-norm hidden states [B, T, hidden].</returns>
    public Tensor Forward(Tensor inputsEmbeds, Tensor? attentionMask = null, Tensor? positionIds = null, LlamaKvCache? cache = null)
    {
        using var scope = torch.NewDisposeScope();
        var (b, t) = (inputsEmbeds.shape[0], inputsEmbeds.shape[1]);
        var past = cache?.Length ?? 0;
        var device = inputsEmbeds.device;
        var mask = attentionMask?.to(ScalarType.Int64, device) ?? torch.ones([b, past + t], ScalarType.Int64, device);
        if (mask.shape[0] != b || mask.shape[1] != past + t)
            throw new ArgumentException(
                $"attention mask is [{string.Join(", ", mask.shape)}] but the forward needs [{b}, {past + t}] (cached {past} + new {t}).",
                nameof(attentionMask));

        var positions = positionIds?.to(ScalarType.Int64, device) ?? PositionIdsFromMask(mask).narrow(1, past, t);
        var (cos, sin) = _rotary.Forward(positions, inputsEmbeds.dtype);
        var additive = AdditiveMask(mask, past, t, inputsEmbeds.dtype);

        var h = inputsEmbeds;
        var checkpoint = GradientCheckpointing && cache is null && torch.is_grad_enabled();
        // Without autograd nothing needs a layer's input once the next layer has run: free it then, so a forward holds one
        // layer's hidden states instead of every layer's until it returns (prefill, the rollout pass). With autograd the
        // ops keep what they saved anyway, and a checkpointed layer keeps its input's handle for the recompute.
        var release = !torch.is_grad_enabled();
        foreach (var layer in layers)
        {
            var next = checkpoint
                ? DecoderLayerCheckpoint.Run(layer, h, cos, sin, additive)
                : layer.Forward(h, cos, sin, additive, cache);
            if (release && !ReferenceEquals(h, inputsEmbeds) && !ReferenceEquals(h, next)) h.Dispose();
            h = next;
        }
        cache?.Advance(t);
        return norm.forward(h).MoveToOuterDisposeScope();
    }

    /// <summary>HF generation's position ids: cumsum(mask) - 1, and 1 where the mask is 0 (padding).</summary>
    public static Tensor PositionIdsFromMask(Tensor attentionMask)
    {
        using var scope = torch.NewDisposeScope();
        var mask = attentionMask.to(ScalarType.Int64);
        var positions = mask.cumsum(-1) - Scalars.One;
        return positions.masked_fill(mask.eq(Scalars.Zero), Scalars.One).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// [B, 1, T, past + T] additive mask in <paramref name="dtype"/>: 0 where query i (at position past + i) may see key j
    /// (j &lt;= past + i and mask[j] = 1), the dtype's most negative finite value elsewhere. Finite like HF's
    /// <c>finfo.min</c>, so a query with no visible key (a padding row) gets a uniform softmax instead of NaN.
    /// </summary>
    public static Tensor AdditiveMask(Tensor attentionMask, long past, long t, ScalarType dtype)
    {
        using var scope = torch.NewDisposeScope();
        var device = attentionMask.device;
        var k = past + t;
        using var first = past.ToScalar();
        using var end = k.ToScalar();
        using var min = MinValue(dtype).ToScalar();
        var queryPositions = torch.arange(first, end, Scalars.One, dtype: ScalarType.Int64, device: device).unsqueeze(1);      // [T, 1]
        var keyPositions = torch.arange(Scalars.Zero, end, Scalars.One, dtype: ScalarType.Int64, device: device).unsqueeze(0); // [1, K]
        var causal = keyPositions.le(queryPositions);                                                                          // [T, K]
        var keyIsReal = attentionMask.ne(Scalars.Zero).unsqueeze(1).unsqueeze(1);                                              // [B, 1, 1, K]
        var allowed = causal.unsqueeze(0).unsqueeze(0).logical_and(keyIsReal);                                                // [B, 1, T, K]
        var blocked = allowed.logical_not();
        var additive = torch.zeros(blocked.shape, dtype, device).masked_fill(blocked, min);
        return additive.MoveToOuterDisposeScope();
    }

    /// <summary>torch.finfo(dtype).min.</summary>
    public static double MinValue(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => float.MinValue,
        ScalarType.Float16 => -65504.0,
        ScalarType.BFloat16 => -3.3895313892515355e38,
        ScalarType.Float64 => double.MinValue,
        _ => throw new NotSupportedException($"dtype {dtype} is not a floating type."),
    };
}
