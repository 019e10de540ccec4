using FiSAO.Models.Torch;
using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Rollouts;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Trainer.Ppo;

/// <summary>One (micro-)batch's PPO loss with autograd, and its terms as numbers for the metrics.</summary>
public sealed record MinibatchLoss(Tensor Loss, double PolicyLoss, double ValueLoss, double Entropy, double ClipFraction, double ApproxKl);

/// <summary>
/// The loss a PPO update minimises (Eq. 9-10 plus PPO's usual terms): L = L_clip + c_v L_V - c_H H over the response
/// tokens of the rows, padding masked out. Each mean is over <c>tokens</c> response tokens: the whole minibatch's count,
/// so a minibatch split into micro-batches (or across devices) gets the same gradient as in one piece.
/// </summary>
public static class PpoObjective
{
    public static MinibatchLoss Compute(PolicyOutputs outputs, Rollout rows, PpoSettings ppo, double tokens)
    {
        using var scope = NewDisposeScope();
        var m = rows.ResponseMask;
        var pl = PpoMath.ClippedPolicyLoss(outputs.LogProbs, rows.OldLogProbs, rows.Advantages, m, ppo.ClipEpsilon, tokens);
        var loss = pl.Loss;
        double valueLoss = 0;
        if (outputs.Values is not null)
        {
            var vl = PpoMath.ClippedValueLoss(outputs.Values, rows.OldValues, rows.Returns, m, ppo.ValueClip, tokens);
            using var valueCoef = ppo.ValueCoef.ToScalar();
            loss = loss.add(vl * valueCoef, Scalars.One);
            valueLoss = vl.item<float>();
        }
        var meanEntropy = PpoMath.MaskedMean(outputs.Entropy, m, tokens);
        if (ppo.EntropyCoef > 0)
        {
            using var entropyCoef = ppo.EntropyCoef.ToScalar();
            loss = loss - meanEntropy * entropyCoef;
        }
        return new MinibatchLoss(loss.MoveToOuterDisposeScope(), pl.Loss.item<float>(), valueLoss, meanEntropy.item<float>(), pl.ClipFraction, pl.ApproxKl);
    }
}
