using FiSAO.Models.Llava;
using FiSAO.Trainer.Rollouts;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Trainer.Ppo;

/// <summary>
/// log pi_theta and log pi_ref of a rollout's response tokens ([B, R] fp32, 0 on padding), through the model's one
/// log-prob function (<see cref="LlavaForConditionalGeneration.ResponseLogProbs"/>). pi_ref is the same model with every
/// LoRA adapter off, so the reference policy costs no second copy of the weights.
/// </summary>
public static class PolicyLogProbs
{
    /// <summary>log pi_theta, with autograd when enabled.</summary>
    public static Tensor ResponseLogProbs(this LlavaPolicy policy, PolicyBatch batch, Tensor imageFeatures)
    {
        using var scope = NewDisposeScope();
        var lp = policy.Model.ResponseLogProbs(batch.InputIds, batch.AttentionMask, imageFeatures, batch.PromptLength);
        return (lp * batch.ResponseMask.to(lp.device)).MoveToOuterDisposeScope();
    }

    /// <summary>log pi_ref: adapters off, no autograd.</summary>
    public static Tensor ReferenceLogProbs(this LlavaPolicy policy, PolicyBatch batch, Tensor imageFeatures)
    {
        using var noGrad = no_grad();
        using var off = policy.Adapters?.Disable();
        return policy.ResponseLogProbs(batch, imageFeatures);
    }
}
