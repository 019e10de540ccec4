using FiSAO.Models.Llava;
using FiSAO.Trainer.Rollouts;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Trainer.Ppo;

/// <summary>
/// log pi_theta of a rollout's response tokens ([B, R] fp32, 0 on padding), through the model's one log-prob function
/// (<see cref="LlavaForConditionalGeneration.ResponseLogProbs"/>). log pi_ref comes from the rollout pass
/// (<see cref="RolloutLogProbs"/>): the same model with every LoRA adapter off, so the reference costs no second copy.
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
}
