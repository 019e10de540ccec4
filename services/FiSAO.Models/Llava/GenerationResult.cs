using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Llava;

public enum FinishReason
{
    /// <summary>The row emitted an end-of-sequence token (included in its tokens).</summary>
    Eos,

    /// <summary>The row reached MaxNewTokens.</summary>
    Length,
}

/// <summary>
/// One generated response: token ids, their SentencePiece pieces (e.g. <c>▁dog</c>, what the verifier aligns), and
/// per-token log-probs. <see cref="LogProbs"/>[t] = log pi(y_t | x, y_&lt;t, v) under the policy at temperature 1 over
/// the full vocabulary (log_softmax of the raw logits in fp32), whatever temperature/top-p/top-k chose the token; the
/// same definition as <see cref="LlavaForConditionalGeneration.ResponseLogProbs"/>, so it serves as PPO's pi_old.
/// An emitted EOS token is the last entry.
/// </summary>
public sealed record GeneratedSequence(IReadOnlyList<int> TokenIds, IReadOnlyList<string>? Pieces, IReadOnlyList<float> LogProbs, FinishReason Finish, string? Text);

/// <summary>What <see cref="LlavaGenerator.Generate"/> returns: the prompts it ran on and one response per row.</summary>
public sealed class GenerationResult
{
    public GenerationResult(PromptBatch prompts, IReadOnlyList<GeneratedSequence> sequences)
    {
        Prompts = prompts;
        Sequences = sequences;
    }

    public PromptBatch Prompts { get; }

    public IReadOnlyList<GeneratedSequence> Sequences { get; }
}
