using FiSAO.Models.Llava;
using static TorchSharp.torch;

namespace FiSAO.Models.Tests.Llava.Support;

/// <summary>Generated responses as tensors for recomputing their log-probs: prompts left-padded, responses right-padded.</summary>
public sealed record PaddedResponses(Tensor InputIds, Tensor AttentionMask, Tensor ResponseMask, Tensor LogProbs, long PromptLength)
{
    public static PaddedResponses Of(GenerationResult result)
    {
        var b = result.Sequences.Count;
        var p = result.Prompts.Length;
        var r = result.Sequences.Max(s => s.TokenIds.Count);
        var ids = new long[b * (p + r)];
        var mask = new long[b * (p + r)];
        var responseMask = new float[b * r];
        var logProbs = new float[b * r];
        for (var row = 0; row < b; row++)
        {
            var pad = result.Prompts.PaddingOf(row);
            for (var c = 0; c < p + r; c++) ids[row * (p + r) + c] = result.Prompts.PadId;
            for (var c = pad; c < p; c++) (ids[row * (p + r) + c], mask[row * (p + r) + c]) = (result.Prompts.Prompts[row][c - pad], 1);
            var s = result.Sequences[row];
            for (var t = 0; t < s.TokenIds.Count; t++)
            {
                (ids[row * (p + r) + p + t], mask[row * (p + r) + p + t]) = (s.TokenIds[t], 1);
                (responseMask[row * r + t], logProbs[row * r + t]) = (1, s.LogProbs[t]);
            }
        }
        return new PaddedResponses(tensor(ids, [b, p + r]), tensor(mask, [b, p + r]), tensor(responseMask, [b, r]), tensor(logProbs, [b, r]), p);
    }
}
