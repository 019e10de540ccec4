using FiSAO.Models.Llava;
using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Rollouts;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Trainer.Ppo;

/// <summary>
/// The gradient of one PPO minibatch, accumulated micro-batch by micro-batch (<c>ppo.micro_batch_size</c> rows per
/// forward/backward): each micro-batch's loss takes its means over the whole minibatch's response tokens
/// (<see cref="PpoObjective"/>), so the summed gradients equal the minibatch's in one piece while only one micro-batch's
/// activations are alive at a time. The caller zeroes the gradients before and steps the optimiser after.
/// </summary>
public static class MinibatchUpdate
{
    /// <summary>Adds the minibatch's gradient to the parameters' .grad and returns its loss terms (sums over micro-batches).</summary>
    /// <param name="tokens">Response tokens the means are taken over: those of <paramref name="minibatch"/>, or, when it is one
    /// device's share of a minibatch, the whole minibatch's (so the devices' gradients sum to the minibatch's).</param>
    public static MinibatchLoss Accumulate(LlavaForConditionalGeneration model, ValueHead? valueHead, Rollout minibatch, PpoSettings ppo,
        double? tokens = null)
    {
        var n = minibatch.Count;
        var tokenCount = tokens ?? minibatch.ResponseMask.sum().item<float>();
        double policyLoss = 0, valueLoss = 0, entropy = 0, clipFraction = 0, approxKl = 0, loss = 0;
        for (long start = 0; start < n; start += ppo.RowsPerPass)
        {
            using var scope = NewDisposeScope();
            using var part = Slice(minibatch, start, Math.Min(ppo.RowsPerPass, n - start));
            using var outputs = PolicyForward.Run(model, part.Batch.InputIds, part.Batch.AttentionMask, part.ImageFeatures, part.Batch.PromptLength,
                valueHead, entropyWithGrad: ppo.EntropyCoef > 0);
            var terms = PpoObjective.Compute(outputs, part, ppo, tokenCount);
            terms.Loss.backward();
            policyLoss += terms.PolicyLoss;
            valueLoss += terms.ValueLoss;
            entropy += terms.Entropy;
            clipFraction += terms.ClipFraction;
            approxKl += terms.ApproxKl;
            loss += terms.Loss.item<float>();
        }
        return new MinibatchLoss(tensor(loss), policyLoss, valueLoss, entropy, clipFraction, approxKl);
    }

    /// <summary>Rows [start, start + count) of a rollout (the whole rollout when that is all of it).</summary>
    public static Rollout Slice(Rollout rollout, long start, long count)
    {
        using var rows = RowRange(start, count, rollout.OldLogProbs.device);
        return rollout.Rows(rows);
    }

    /// <summary>int64 indices start, ..., start + count - 1.</summary>
    public static Tensor RowRange(long start, long count, Device device) =>
        tensor(Enumerable.Range(0, (int)count).Select(i => start + i).ToArray(), device: device);

    /// <summary>f over row chunks of at most <paramref name="rowsPerPass"/> rows, concatenated along rows.</summary>
    public static Tensor ByRows(PolicyBatch batch, Tensor features, int rowsPerPass, Func<PolicyBatch, Tensor, Tensor> f) =>
        ByRowsMany(batch, features, rowsPerPass, (part, partFeatures) => [f(part, partFeatures)])[0];

    /// <summary>f (several [rows, ..] outputs) over row chunks of at most <paramref name="rowsPerPass"/> rows, each output
    /// concatenated along rows.</summary>
    public static Tensor[] ByRowsMany(PolicyBatch batch, Tensor features, int rowsPerPass, Func<PolicyBatch, Tensor, Tensor[]> f)
    {
        var n = batch.Count;
        if (rowsPerPass <= 0 || rowsPerPass >= n) return f(batch, features);
        using var scope = NewDisposeScope();
        var parts = new List<Tensor[]>();
        for (long start = 0; start < n; start += rowsPerPass)
        {
            // f's intermediates (a micro-batch's logits, say) die with the chunk; only its outputs stay.
            using var chunkScope = NewDisposeScope();
            var rows = RowRange(start, Math.Min(rowsPerPass, n - start), batch.InputIds.device);
            using var part = batch.Rows(rows);
            var outputs = f(part, features.index_select(0, rows.to(features.device)));
            foreach (var output in outputs) output.MoveToOuterDisposeScope();
            parts.Add(outputs);
        }
        return [.. Enumerable.Range(0, parts[0].Length).Select(i => cat(parts.Select(p => p[i]).ToList(), 0).MoveToOuterDisposeScope())];
    }
}
