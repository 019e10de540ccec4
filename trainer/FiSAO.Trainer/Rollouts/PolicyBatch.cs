using FiSAO.Models.Llava;
using static TorchSharp.torch;

namespace FiSAO.Trainer.Rollouts;

/// <summary>
/// Generated responses as PPO's tensors: prompts left-padded to P, responses right-padded to R (the longest response),
/// the attention mask over both, a response mask [B, R] (1 on generated tokens, EOS included) and the rollout's
/// log pi_old [B, R] (0 on padding). Owns and disposes them.
/// </summary>
public sealed record PolicyBatch(Tensor InputIds, Tensor AttentionMask, Tensor ResponseMask, Tensor OldLogProbs, long PromptLength) : IDisposable
{
    public long ResponseLength => InputIds.shape[1] - PromptLength;

    public long Count => InputIds.shape[0];

    /// <summary>The rows <paramref name="rows"/> (int64 indices): a minibatch or micro-batch, same columns.</summary>
    public PolicyBatch Rows(Tensor rows)
    {
        Tensor Take(Tensor t) => t.index_select(0, rows.to(t.device));
        return new PolicyBatch(Take(InputIds), Take(AttentionMask), Take(ResponseMask), Take(OldLogProbs), PromptLength);
    }

    /// <summary>The same batch on <paramref name="device"/> (a replica's share in data-parallel training).</summary>
    public PolicyBatch To(Device device) =>
        new(InputIds.to(device), AttentionMask.to(device), ResponseMask.to(device), OldLogProbs.to(device), PromptLength);

    /// <summary>The batch of <paramref name="generation"/> on <paramref name="device"/>.</summary>
    public static PolicyBatch From(GenerationResult generation, Device? device = null)
    {
        var prompts = generation.Prompts;
        var sequences = generation.Sequences;
        var b = sequences.Count;
        var p = prompts.Length;
        var r = sequences.Max(s => s.TokenIds.Count);
        var ids = new long[b * (long)(p + r)];
        var mask = new long[b * (long)(p + r)];
        var responseMask = new float[b * (long)r];
        var logProbs = new float[b * (long)r];
        for (var row = 0; row < b; row++)
        {
            var pad = prompts.PaddingOf(row);
            var baseIndex = row * (long)(p + r);
            for (var c = 0; c < p + r; c++) ids[baseIndex + c] = prompts.PadId;
            for (var c = pad; c < p; c++)
            {
                ids[baseIndex + c] = prompts.Prompts[row][c - pad];
                mask[baseIndex + c] = 1;
            }
            var s = sequences[row];
            for (var t = 0; t < s.TokenIds.Count; t++)
            {
                ids[baseIndex + p + t] = s.TokenIds[t];
                mask[baseIndex + p + t] = 1;
                responseMask[row * (long)r + t] = 1;
                logProbs[row * (long)r + t] = s.LogProbs[t];
            }
        }
        return new PolicyBatch(
            tensor(ids, [b, p + r], device: device),
            tensor(mask, [b, p + r], device: device),
            tensor(responseMask, [b, r], device: device),
            tensor(logProbs, [b, r], device: device),
            p);
    }

    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask.Dispose();
        ResponseMask.Dispose();
        OldLogProbs.Dispose();
    }
}
