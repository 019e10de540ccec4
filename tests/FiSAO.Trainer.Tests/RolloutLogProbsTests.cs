using FiSAO.Models.Imaging;
using FiSAO.Models.Llava;
using FiSAO.Models.Lora;
using FiSAO.Models.Torch;
using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Ppo;
using FiSAO.Trainer.Rollouts;
using FiSAO.Trainer.Tests.Support;
using TensorAssert = FiSAO.Models.Tests.Support.TensorAssert;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Trainer.Tests;

/// <summary>The rollout's policy pass: pi_old in the update's mode, pi_ref, and each KL estimator, in micro-batches.</summary>
[Collection(GlobalRngCollection.Name)]
public sealed class RolloutLogProbsTests
{
    /// <summary>The tiny policy with LoRA dropout 0.5 and non-zero adapters (pi_theta != pi_ref), and 3 sampled responses.</summary>
    private static (LlavaPolicy Policy, PolicyBatch Batch, Tensor Features) Sampled()
    {
        var policy = TinyPolicy.WithAdapters(dropout: 0.5, scale: 0.3);
        var (batch, features) = TinyPolicy.Sample(policy, count: 3, maxNewTokens: 6, seed: 4);
        return (policy, batch, features);
    }

    private static Tensor Logits(LlavaPolicy policy, PolicyBatch batch, Tensor features) =>
        policy.Model.LanguageModel.LmHead(policy.Model.ResponseHiddenStates(batch.InputIds, batch.AttentionMask, features, batch.PromptLength));

    [Fact]
    public void Pi_old_is_the_updates_own_forward_and_full_is_the_exact_kl_of_pi_ref_to_pi_theta_in_micro_batches()
    {
        var (policy, batch, features) = Sampled();
        using var owned = policy;
        using var scope = NewDisposeScope();
        var ppo = new PpoSettings { MinibatchSize = 3, MicroBatchSize = 2, KlEstimator = KlEstimator.Full };
        var result = RolloutLogProbs.Compute(policy, batch, features, ppo);
        var whole = RolloutLogProbs.Compute(policy, batch, features, ppo with { MicroBatchSize = 0 });
        var mask = batch.ResponseMask;

        using (no_grad())
        {
            // The update's forward with dropout off (eval) on the same rows: identical log-probs, rho = 1. (Rows grouped
            // otherwise can differ in the last bit: libtorch's kernels are not invariant to the batch's shape.)
            policy.Model.eval();
            using var update = PolicyForward.Run(policy.Model, batch.InputIds, batch.AttentionMask, features, batch.PromptLength, null);
            TensorAssert.Close(update.LogProbs * mask, whole.OldLogProbs, 0, 0, "pi_old vs the update's pi_theta");
            TensorAssert.Close(whole.OldLogProbs, result.OldLogProbs, 1e-6, 1e-6, "pi_old in micro-batches");

            // Full KL by hand from the two logit tensors of the whole batch.
            var logits = Logits(policy, batch, features);
            Tensor refLogits;
            using (policy.Adapters!.Disable()) refLogits = Logits(policy, batch, features);
            var expected = (refLogits.log_softmax(-1).exp() * (refLogits.log_softmax(-1) - logits.log_softmax(-1))).sum(-1) * mask;
            TensorAssert.Close(expected, result.Kl, 1e-6, 1e-5, "D_KL[pi_ref || pi_theta]");
            Assert.True(result.Kl.max().item<float>() > 1e-3, "the adapters move pi_theta away from pi_ref");
            // Not the sampled-token estimate: k1 differs.
            Assert.True((result.Kl - (result.OldLogProbs - result.RefLogProbs)).abs().max().item<float>() > 1e-3);
        }

        var k1 = RolloutLogProbs.Compute(policy, batch, features, ppo with { KlEstimator = KlEstimator.K1 });
        TensorAssert.Close(k1.OldLogProbs - k1.RefLogProbs, k1.Kl, 0, 0, "k1");
        TensorAssert.Close(result.RefLogProbs, k1.RefLogProbs, 0, 0, "pi_ref");
    }

    [Fact]
    public void Without_disable_dropout_pi_old_is_the_samplers()
    {
        var (policy, batch, features) = Sampled();
        using var owned = policy;
        using var scope = NewDisposeScope();
        var result = RolloutLogProbs.Compute(policy, batch, features, new PpoSettings { MinibatchSize = 3, DisableDropout = false });
        Assert.Same(batch.OldLogProbs, result.OldLogProbs);
    }
}
