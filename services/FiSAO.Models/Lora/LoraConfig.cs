using static TorchSharp.torch;

namespace FiSAO.Models.Lora;

/// <summary>
/// LoRA hyper-parameters with PEFT's meaning: rank r, scaling lora_alpha / r, dropout on the adapter's input,
/// and which projections of the language model get adapters (module names as in HF LLaMA).
/// </summary>
public sealed record LoraConfig
{
    /// <summary>The attention projections (the default, as in the FiSAO brief).</summary>
    public static readonly IReadOnlyList<string> AttentionProjections = ["q_proj", "k_proj", "v_proj", "o_proj"];

    /// <summary>Attention and MLP projections (LLaVA's own LoRA recipe adapts every linear layer of the LLM).</summary>
    public static readonly IReadOnlyList<string> AllProjections = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    public int Rank { get; init; } = 8;

    public double Alpha { get; init; } = 16;

    public double Dropout { get; init; } = 0.05;

    /// <summary>Projection names to adapt in every decoder layer of the language model (vision tower and projector never).</summary>
    public IReadOnlyList<string> TargetModules { get; init; } = AttentionProjections;

    /// <summary>Seed of lora_A's kaiming-uniform initialisation.</summary>
    public long Seed { get; init; } = 0;

    /// <summary>
    /// dtype of the adapter weights. Null = fp32 when the base is fp16/bf16 (PEFT's autocast_adapter_dtype=True), else
    /// the base dtype: the optimizer updates full-precision adapters while the frozen base stays in half precision.
    /// </summary>
    public ScalarType? AdapterDType { get; init; }

    /// <summary>PEFT's scaling: lora_alpha / r.</summary>
    public double Scaling => Alpha / Rank;

    public void Validate()
    {
        if (Rank < 1) throw new ArgumentOutOfRangeException(nameof(Rank), Rank, "LoRA rank must be at least 1.");
        if (!(Alpha > 0)) throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "lora_alpha must be positive.");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, "lora_dropout must be in [0, 1).");
        if (TargetModules.Count == 0) throw new ArgumentException("LoRA needs at least one target module.", nameof(TargetModules));
        var unknown = TargetModules.Except(AllProjections).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException(
                $"Unsupported LoRA target module(s) {string.Join(", ", unknown)}; choose from {string.Join(", ", AllProjections)}.", nameof(TargetModules));
    }
}
