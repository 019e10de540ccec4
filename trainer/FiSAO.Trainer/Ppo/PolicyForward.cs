using FiSAO.Models.Llava;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Trainer.Ppo;

/// <summary>What one forward pass over a rollout gives PPO ([B, R] fp32 each).</summary>
public sealed record PolicyOutputs(Tensor LogProbs, Tensor Entropy, Tensor? Values) : IDisposable
{
    public void Dispose()
    {
        LogProbs.Dispose();
        Entropy.Dispose();
        Values?.Dispose();
    }
}

/// <summary>
/// One pass of the language model over prompt + response that yields log pi(y_t), the entropy of each position and,
/// with a value head, V_t, from the same hidden states (one forward instead of one per quantity). The states and the
/// log-probs come from the model's own functions (<see cref="LlavaForConditionalGeneration.ResponseHiddenStates"/>,
/// <see cref="LlavaForConditionalGeneration.TokenLogProbs"/>), so pi_theta here, pi_old at generation and pi_ref share one
/// definition: log_softmax of fp32 logits at temperature 1.
/// </summary>
public static class PolicyForward
{
    /// <param name="entropyWithGrad">Keep the entropy in the graph (an entropy bonus); otherwise it is detached.</param>
    public static PolicyOutputs Run(LlavaForConditionalGeneration model, Tensor inputIds, Tensor attentionMask, Tensor imageFeatures,
        long promptLength, ValueHead? valueHead, bool entropyWithGrad = false)
    {
        using var scope = NewDisposeScope();
        var states = model.ResponseHiddenStates(inputIds, attentionMask, imageFeatures, promptLength);
        var logits = model.LanguageModel.LmHead(states);
        var tokenLogProbs = LlavaForConditionalGeneration.TokenLogProbs(logits, model.ResponseTargets(inputIds, promptLength));
        Tensor entropy;
        if (entropyWithGrad) entropy = PpoMath.Entropy(logits);
        else
            using (no_grad())
                entropy = PpoMath.Entropy(logits).detach();
        var values = valueHead?.forward(states);
        return new PolicyOutputs(tokenLogProbs.MoveToOuterDisposeScope(), entropy.MoveToOuterDisposeScope(), values?.MoveToOuterDisposeScope());
    }
}
