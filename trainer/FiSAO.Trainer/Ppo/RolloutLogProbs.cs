using FiSAO.Models.Llava;
using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Rollouts;
using static TorchSharp.torch;

namespace FiSAO.Trainer.Ppo;

/// <summary>
/// What step 4 of Algorithm 1 reads from the policy for one rollout ([B, R] fp32 each, 0 on padding): log pi_old and
/// log pi_ref of the sampled tokens, and the per-token KL term of <c>ppo.kl_estimator</c> (before its placement).
/// </summary>
public sealed record RolloutLogProbs(Tensor OldLogProbs, Tensor RefLogProbs, Tensor Kl)
{
    /// <summary>
    /// In micro-batches of <c>ppo.micro_batch_size</c> rows (as the update), without autograd:
    /// <list type="bullet">
    /// <item>log pi_old: with <c>ppo.disable_dropout</c> from the update's own forward (dropout off, the function the update
    /// calls), so rho = exp(log pi_theta - log pi_old) is exactly 1 before the first update; otherwise the sampler's
    /// log-probs of <paramref name="batch"/> (eval mode, while the update runs with dropout: rho is not 1).</item>
    /// <item>log pi_ref: the same forward with every LoRA adapter off.</item>
    /// <item>full: D_KL[pi_ref || pi_theta] from both logit rows of each micro-batch, so the [rows, R, V] logits of only one
    /// micro-batch are alive at a time.</item>
    /// </list>
    /// </summary>
    public static RolloutLogProbs Compute(LlavaPolicy policy, PolicyBatch batch, Tensor features, PpoSettings ppo)
    {
        using var scope = NewDisposeScope();
        var model = policy.Model;
        var wasTraining = model.training;
        var recompute = ppo.DisableDropout;
        var full = ppo.KlEstimator == KlEstimator.Full;
        try
        {
            // The update's mode: eval when dropout is disabled; sampling (and so pi_old without recompute) is always eval.
            model.eval();
            using var noGrad = no_grad();
            var parts = MinibatchUpdate.ByRowsMany(batch, features, ppo.RowsPerPass, (part, partFeatures) =>
            {
                var mask = part.ResponseMask;
                var targets = model.ResponseTargets(part.InputIds, part.PromptLength);
                var logits = recompute || full ? Logits(model, part, partFeatures) : null;
                var old = recompute ? LlavaForConditionalGeneration.TokenLogProbs(logits!, targets) * mask : part.OldLogProbs;
                Tensor refLogits;
                using (policy.Adapters?.Disable())
                    refLogits = Logits(model, part, partFeatures);
                var reference = LlavaForConditionalGeneration.TokenLogProbs(refLogits, targets) * mask;
                var kl = PpoMath.KlPerToken(ppo.KlEstimator, old, reference, mask, full ? PpoMath.FullKl(refLogits, logits!) : null);
                // The sampler's log pi_old is the batch's own tensor (a part's copy dies with the part): not returned.
                return recompute ? [reference, kl, old] : [reference, kl];
            });
            var oldLogProbs = recompute ? parts[2].MoveToOuterDisposeScope() : batch.OldLogProbs;
            return new RolloutLogProbs(oldLogProbs, parts[0].MoveToOuterDisposeScope(), parts[1].MoveToOuterDisposeScope());
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    private static Tensor Logits(LlavaForConditionalGeneration model, PolicyBatch part, Tensor features) =>
        model.ResponseLogits(part.InputIds, part.AttentionMask, features, part.PromptLength);
}
