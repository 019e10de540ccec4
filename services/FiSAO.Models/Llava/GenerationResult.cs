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

    /// <summary>
    /// The rollout as tensors for PPO: prompts left-padded to P, responses right-padded to R (the longest response),
    /// attention mask over both, a response mask [B, R] (1 on generated tokens, EOS included), and the rollout
    /// log-probs [B, R] (0 on padding). Feed InputIds/AttentionMask/PromptLength to
    /// <see cref="LlavaForConditionalGeneration.ResponseLogProbs"/>.
    /// </summary>
    public PolicyBatch ToPolicyBatch(Device? device = null)
    {
        var b = Sequences.Count;
        var p = Prompts.Length;
        var r = Sequences.Max(s => s.TokenIds.Count);
        var ids = new long[b * (long)(p + r)];
        var mask = new long[b * (long)(p + r)];
        var responseMask = new float[b * (long)r];
        var logProbs = new float[b * (long)r];
        for (var row = 0; row < b; row++)
        {
            var pad = Prompts.PaddingOf(row);
            var baseIndex = row * (long)(p + r);
            for (var c = 0; c < p + r; c++) ids[baseIndex + c] = Prompts.PadId;
            for (var c = pad; c < p; c++)
            {
                ids[baseIndex + c] = Prompts.Prompts[row][c - pad];
                mask[baseIndex + c] = 1;
            }
            var s = Sequences[row];
            for (var t = 0; t < s.TokenIds.Count; t++)
            {
                ids[baseIndex + p + t] = s.TokenIds[t];
                mask[baseIndex + p + t] = 1;
                responseMask[row * (long)r + t] = 1;
                logProbs[row * (long)r + t] = s.LogProbs[t];
            }
        }
        return new PolicyBatch(
            torch.tensor(ids, [b, p + r], device: device),
            torch.tensor(mask, [b, p + r], device: device),
            torch.tensor(responseMask, [b, r], device: device),
            torch.tensor(logProbs, [b, r], device: device),
            p);
    }
}

/// <summary>A rollout as tensors (see <see cref="GenerationResult.ToPolicyBatch"/>); owns and disposes them.</summary>
public sealed record PolicyBatch(Tensor InputIds, Tensor AttentionMask, Tensor ResponseMask, Tensor OldLogProbs, long PromptLength) : IDisposable
{
    public long ResponseLength => InputIds.shape[1] - PromptLength;

    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask.Dispose();
        ResponseMask.Dispose();
        OldLogProbs.Dispose();
    }
}
