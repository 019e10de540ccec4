using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FiSAO.Models.Llama;

/// <summary>
/// HF <c>LlamaForCausalLM</c>: <c>model</c> (<see cref="LlamaModel"/>) and <c>lm_head</c> (no bias). With
/// <c>tie_word_embeddings</c> there is no lm_head weight: logits use the embedding matrix, as HF's tied head does.
/// </summary>
public sealed class LlamaForCausalLM : nn.Module
{
#pragma warning disable IDE1006
    private readonly LlamaModel model;
    private readonly Linear? lm_head;
#pragma warning restore IDE1006

    public LlamaForCausalLM(LlamaConfig config, LlamaAttentionImplementation implementation = LlamaAttentionImplementation.Sdpa,
        Device? device = null, ScalarType dtype = ScalarType.Float32)
        : base(nameof(LlamaForCausalLM))
    {
        config.Validate();
        Config = config;
        Device = device ?? torch.CPU;
        DType = dtype;
        model = new LlamaModel(config, implementation, device, dtype);
        if (!config.TieWordEmbeddings)
            lm_head = nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false, device: device, dtype: dtype);
        RegisterComponents();
    }

    public LlamaConfig Config { get; }

    public Device Device { get; }

    public ScalarType DType { get; }

    public LlamaModel Model => model;

    /// <summary>Logits [B, T, vocab] in the model dtype for final hidden states [B, T, hidden].</summary>
    public Tensor LmHead(Tensor hiddenStates) =>
        lm_head is not null ? lm_head.forward(hiddenStates) : nn.functional.linear(hiddenStates, model.EmbedTokens.weight!);

    /// <summary>
    /// Logits for the last <paramref name="logitsToKeep"/> positions (0 = all), HF's <c>logits_to_keep</c>, for the
    /// T new positions given as embeddings. See <see cref="LlamaModel.Forward"/> for masks, positions and the cache.
    /// </summary>
    public Tensor Forward(Tensor inputsEmbeds, Tensor? attentionMask = null, Tensor? positionIds = null, LlamaKvCache? cache = null, long logitsToKeep = 0)
    {
        using var scope = torch.NewDisposeScope();
        var h = model.Forward(inputsEmbeds, attentionMask, positionIds, cache);
        if (logitsToKeep > 0 && logitsToKeep < h.shape[1]) h = h.narrow(1, h.shape[1] - logitsToKeep, logitsToKeep);
        return LmHead(h).MoveToOuterDisposeScope();
    }

    /// <summary>Logits [B, T, vocab] for token ids [B, T].</summary>
    public Tensor ForwardIds(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, LlamaKvCache? cache = null, long logitsToKeep = 0)
    {
        using var scope = torch.NewDisposeScope();
        var embeds = model.Embed(inputIds.to(ScalarType.Int64, Device));
        return Forward(embeds, attentionMask, positionIds, cache, logitsToKeep).MoveToOuterDisposeScope();
    }

    public LlamaKvCache CreateCache(long batchSize, long capacity) => new(Config, batchSize, capacity, Device, DType);
}
