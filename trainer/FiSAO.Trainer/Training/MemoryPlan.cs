using FiSAO.Models.Llava;
using FiSAO.Models.Torch;
using FiSAO.Trainer.Configuration;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Trainer.Training;

/// <summary>One line of a memory plan: what, bytes, and how it was counted.</summary>
public sealed record MemoryItem(string What, double Bytes, string How);

/// <summary>
/// The memory one device needs for a config (<c>fisao-trainer plan</c>): the frozen weights (parameters counted exactly
/// by building the model on the meta device), the LoRA adapters with their gradients and AdamW state, the KV cache of
/// a step's generation at <c>max_new_tokens</c>, the logits of one micro-batch of the rollout pass that reads log pi_old,
/// log pi_ref and the KL term (<see cref="FiSAO.Trainer.Ppo.RolloutLogProbs"/>), and the activations autograd keeps for
/// one micro-batch of the update, with or without activation checkpointing. Peak = weights + optimiser state +
/// max(generation, rollout pass, update), since each phase's tensors are freed before the next starts. The activation count follows our modules (what each op saves for backward:
/// see <see cref="ActivationBytesPerTokenLayer"/>); <c>plan --measure</c> checks it against measured CPU peaks.
/// </summary>
public sealed class MemoryPlan
{
    public const double GiB = 1024.0 * 1024 * 1024;

    private MemoryPlan(IReadOnlyList<MemoryItem> fixedItems, MemoryItem generation, MemoryItem rolloutPass, MemoryItem update, MemoryItem reserve,
        int devices, bool checkpointing)
    {
        Fixed = fixedItems;
        Generation = generation;
        RolloutPass = rolloutPass;
        Update = update;
        Reserve = reserve;
        Devices = devices;
        Checkpointing = checkpointing;
    }

    public IReadOnlyList<MemoryItem> Fixed { get; }
    public MemoryItem Generation { get; }
    public MemoryItem RolloutPass { get; }
    public MemoryItem Update { get; }
    public MemoryItem Reserve { get; }
    public int Devices { get; }
    public bool Checkpointing { get; }

    /// <summary>The phases in step order; only one is alive at a time.</summary>
    public IReadOnlyList<MemoryItem> Phases => [Generation, RolloutPass, Update];

    public double PeakBytes => Fixed.Sum(i => i.Bytes) + Phases.Max(i => i.Bytes) + Reserve.Bytes;

    /// <param name="promptTokens">Text tokens of a prompt besides the image placeholders (chat template + question).</param>
    /// <param name="devices">Devices sharing each step's rollouts (data parallel: a replica per device).</param>
    public static MemoryPlan Estimate(TrainerConfig config, LlavaConfig model, bool checkpointing, int devices = 1, int promptTokens = 64,
        bool reserve = true)
    {
        var t = model.TextConfig;
        var s = ElementSize(TorchTarget.ParseDType(config.Policy.DType));
        var (h, i, layers, kvd) = ((double)t.HiddenSize, (double)t.IntermediateSize, t.NumHiddenLayers, (double)t.KeyValueHeads * t.HeadDimension);
        var qd = (double)t.NumAttentionHeads * t.HeadDimension;

        var baseParameters = CountParameters(model);
        var loraParameters = LoraParameters(config.Lora, t.HiddenSize, t.IntermediateSize, qd, kvd) * layers;
        var fixedItems = new List<MemoryItem>
        {
            new("frozen weights", baseParameters * s, $"{baseParameters / 1e9:F3} B parameters x {s} bytes ({config.Policy.DType})"),
            new("LoRA adapters + gradients", loraParameters * 8, $"{loraParameters / 1e6:F1} M fp32 parameters and their gradients"),
            new("AdamW state", loraParameters * 8, "exp_avg + exp_avg_sq, fp32"),
        };

        var p = model.ImageSeqLength + promptTokens;
        var r = config.Generation.MaxNewTokens;
        var rows = Math.Ceiling(config.Run.BatchSize / (double)devices);
        var kv = 2 * layers * rows * kvd * (p + r) * s;
        var quadratic = Attention(config);
        // A forward without autograd holds one layer at a time (LlamaModel frees each layer's input after the next layer):
        // its input and output, its projections and MLP tensors, the attention scores and probabilities where attention
        // keeps them (eager, or SDPA on the CPU), and the additive mask shared by all layers.
        double OneLayerForward(double n, double tokens) => n * tokens * (4 * h + 3 * i + 2 * h) * s
            + (quadratic ? 2 * n * t.NumAttentionHeads * tokens * tokens * s : 0) + n * tokens * tokens * s;
        var prefill = OneLayerForward(rows, p);
        var generation = new MemoryItem("generation (KV cache + prefill)", kv + prefill,
            $"{rows} rollouts x {p + r} positions x {layers} layers x 2 x {kvd} x {s} bytes, + one layer's prefill");

        // The rollout pass (RolloutLogProbs), no autograd, in micro-batches of ppo.micro_batch_size of a device's rollouts:
        // the policy's logits (when pi_old is recomputed or the KL is exact) and the reference's, held together, plus the
        // fp32 transients of TokenLogProbs (log_softmax) or, for the exact KL, of PpoMath.FullKl (both log_softmax, exp,
        // the difference, the product), and one decoder layer's transient tensors.
        var passRows = Math.Min(config.Ppo.RowsPerPass, rows);
        var full = config.Ppo.KlEstimator == KlEstimator.Full;
        var heldLogits = (config.Ppo.DisableDropout || full ? 2 : 1) * s;
        var transients = full ? 5 * 4 + (s == 4 ? 0 : 2 * 4) : 4 + (s == 4 ? 0 : 4);
        var passLogits = passRows * r * t.VocabSize * (double)(heldLogits + transients);
        var passLayer = OneLayerForward(passRows, p + r);
        var rolloutPass = new MemoryItem("rollout pass (pi_old, pi_ref, KL)", passLogits + passLayer,
            $"{passRows} rows x {r} tokens x {t.VocabSize} x {heldLogits + transients} bytes of logits (kl_estimator {config.Ppo.KlEstimator.ToString().ToLowerInvariant()}), + one layer's transients");

        // A device's share of a minibatch, in micro-batches of ppo.micro_batch_size rows (PolicyReplicas.Accumulate).
        var microRows = Math.Min(config.Ppo.RowsPerPass, Math.Ceiling(config.Ppo.MinibatchSize / (double)devices));
        var tokens = microRows * (p + r);
        var perLayer = ActivationBytesPerTokenLayer(config, t.HiddenSize, t.IntermediateSize, qd, kvd, t.NumAttentionHeads, p + r,
            quadratic, s);
        var logits = microRows * r * t.VocabSize * (s + 4 * 3.0);   // logits, fp32 log_softmax, exp for the entropy, its product
        var mask = microRows * (p + r) * (p + r) * s;              // the additive attention mask, one for all layers
        // The backward's working set: the gradients of one layer's activations while it runs back (about one layer's worth);
        // checkpointed, the recomputed layer's activations come on top of it.
        var activations = checkpointing
            ? tokens * (layers * h * s + 2 * perLayer) + logits + mask
            : tokens * (layers + 1) * perLayer + logits + mask;
        var update = new MemoryItem(checkpointing ? "update activations (checkpointed)" : "update activations",
            activations, checkpointing
                ? $"{microRows} rows x {p + r} tokens: {layers} layer inputs + one layer recomputed and its gradients ({perLayer / 1024:F1} KiB/token), + logits {logits / GiB:F2} GiB"
                : $"{microRows} rows x {p + r} tokens x ({layers} layers + one of gradients) x {perLayer / 1024:F1} KiB/token, + logits {logits / GiB:F2} GiB");

        var fixedBytes = fixedItems.Sum(x => x.Bytes) + Math.Max(generation.Bytes, Math.Max(rolloutPass.Bytes, update.Bytes));
        var reserveItem = reserve
            ? new MemoryItem("runtime reserve", 1 * GiB + 0.1 * fixedBytes, "1 GiB (CUDA context, libraries) + 10 % allocator slack")
            : new MemoryItem("runtime reserve", 0, "none (a CPU measurement)");
        return new MemoryPlan(fixedItems, generation, rolloutPass, update, reserveItem, devices, checkpointing);
    }

    /// <summary>
    /// Bytes autograd keeps per token in one decoder layer with the base frozen (a frozen linear keeps no input; autograd
    /// saves an operand only when the other needs a gradient): the two RMSNorms' fp32 inputs; attention's q, k, v
    /// (k and v repeated to the query heads) and, with eager/CPU attention, its probabilities (heads x T per token;
    /// CUDA's memory-efficient SDPA keeps its output and log-sum-exp instead); the MLP's gate, SiLU(gate) and up; each
    /// LoRA target's fp32 input (its dropout mask and dropped copy when dropout acts in the update, that is with
    /// <c>lora.dropout</c> above 0 and <c>ppo.disable_dropout</c> off; one shared tensor per input when fp32 without dropout)
    /// and rank-r projection.
    /// </summary>
    public static double ActivationBytesPerTokenLayer(TrainerConfig config, double h, double i, double qd, double kvd, int heads, double sequence,
        bool quadraticAttention, double s)
    {
        var norms = 2 * 4 * h;
        var attention = 3 * s * qd + (quadraticAttention ? s * heads * sequence : s * qd + 4 * heads);
        var mlp = 3 * s * i;
        double InputOf(string m) => m == "down_proj" ? i : m == "o_proj" ? qd : h;
        string GroupOf(string m) => m is "q_proj" or "k_proj" or "v_proj" ? "attention" : m is "gate_proj" or "up_proj" ? "mlp" : m;
        var targets = config.Lora.TargetModules;
        double lora;
        if (config.Lora.Dropout > 0 && !config.Ppo.DisableDropout) lora = targets.Sum(m => 5 * InputOf(m));
        else if (s != 4) lora = targets.Sum(m => 4 * InputOf(m));
        else lora = targets.GroupBy(GroupOf).Sum(g => 4 * InputOf(g.First()));
        lora += targets.Length * 4 * config.Lora.Rank;
        return norms + attention + mlp + lora;
    }

    /// <summary>Parameters of the model a config.json describes, counted on the meta device (no memory).</summary>
    public static long CountParameters(LlavaConfig model)
    {
        using var meta = new LlavaForConditionalGeneration(model, device: META, dtype: ScalarType.Float16);
        return meta.parameters().Sum(p => p.numel());
    }

    private static double LoraParameters(LoraSettings lora, double h, double i, double qd, double kvd) =>
        lora.TargetModules.Sum(m => lora.Rank * m switch
        {
            "q_proj" => h + qd,
            "k_proj" or "v_proj" => h + kvd,
            "o_proj" => qd + h,
            "gate_proj" or "up_proj" => h + i,
            _ => i + h,
        });

    // CUDA's SDPA (memory-efficient kernel, arbitrary masks) keeps O(T) per head; eager attention and CPU SDPA keep the weights.
    private static bool Attention(TrainerConfig config) =>
        config.Policy.Attention == AttentionKind.Eager || !config.Policy.DeviceList[0].StartsWith("cuda", StringComparison.Ordinal);

    private static int ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Float64 => 8,
        _ => 4,
    };
}
