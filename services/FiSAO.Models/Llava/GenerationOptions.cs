namespace FiSAO.Models.Llava;

/// <summary>
/// Sampling settings for <see cref="LlavaGenerator"/>, with HF's meaning: logits / temperature, then top-k, then
/// top-p (nucleus: keep the smallest set of most likely tokens whose probability reaches top_p), then one draw.
/// Unlike HF's GenerationConfig, top-k is off by default (HF's default is 50), so temperature 1 with top_p 1 samples
/// the policy itself, which on-policy PPO wants.
/// </summary>
public sealed record GenerationOptions
{
    public int MaxNewTokens { get; init; } = 128;

    /// <summary>False = greedy (argmax; temperature/top-p/top-k ignored).</summary>
    public bool DoSample { get; init; } = true;

    public double Temperature { get; init; } = 1.0;

    public double TopP { get; init; } = 1.0;

    /// <summary>0 = off.</summary>
    public int TopK { get; init; }

    /// <summary>
    /// Seed of the sampling. Row i draws its uniforms from its own generator seeded with <see cref="RowSeeds"/>[i] when
    /// given, else Seed + i; so a row's sample does not depend on the other rows of the batch.
    /// </summary>
    public long Seed { get; init; }

    public IReadOnlyList<long>? RowSeeds { get; init; }

    /// <summary>Generation of a row stops after it emits one of these (null: the text config's eos_token_id).</summary>
    public IReadOnlyList<int>? EosTokenIds { get; init; }

    /// <summary>Use the KV cache (prefill once, then one token per step); false recomputes the whole sequence each step.</summary>
    public bool UseCache { get; init; } = true;

    public static GenerationOptions Greedy(int maxNewTokens) => new() { MaxNewTokens = maxNewTokens, DoSample = false };

    public void Validate()
    {
        if (MaxNewTokens < 1) throw new ArgumentOutOfRangeException(nameof(MaxNewTokens), MaxNewTokens, "Generate at least one token.");
        if (DoSample && !(Temperature > 0)) throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "Sampling needs temperature > 0 (use DoSample = false for greedy).");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "top_p must be in (0, 1].");
        if (TopK < 0) throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "top_k must not be negative.");
    }
}
