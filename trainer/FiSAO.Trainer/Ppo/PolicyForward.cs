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
/// with a value head, V_t, from the same hidden states (one forward instead of one per quantity). Same log-prob
/// definition as <see cref="LlavaForConditionalGeneration.ResponseLogProbs"/>: log_softmax of fp32 logits at temperature 1.
/// </summary>
public static class PolicyForward
{
    /// <param name="entropyWithGrad">Keep the entropy in the graph (an entropy bonus); otherwise it is detached.</param>
    public static PolicyOutputs Run(LlavaForConditionalGeneration model, Tensor inputIds, Tensor attentionMask, Tensor imageFeatures,
        long promptLength, ValueHead? valueHead, bool entropyWithGrad = false)
    {
        using var scope = NewDisposeScope();
        var r = inputIds.shape[1] - promptLength;
        var embeds = model.EmbedInputs(inputIds, imageFeatures, promptLength);
        var hidden = model.LanguageModel.Model.Forward(embeds, attentionMask.to(model.Device));
        var states = hidden.narrow(1, promptLength - 1, r);                    // the state that predicts y_t
        var logits = model.LanguageModel.LmHead(states).to(ScalarType.Float32);
        var targets = inputIds.to(ScalarType.Int64, model.Device).narrow(1, promptLength, r);
        var logp = logits.log_softmax(-1);
        var tokenLogProbs = logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1);
        Tensor entropy;
        if (entropyWithGrad) entropy = -(logp.exp() * logp).sum(-1);
        else
            using (no_grad())
                entropy = -(logp.exp() * logp).sum(-1).detach();
        var values = valueHead?.forward(states);
        return new PolicyOutputs(tokenLogProbs.MoveToOuterDisposeScope(), entropy.MoveToOuterDisposeScope(), values?.MoveToOuterDisposeScope());
    }
}
