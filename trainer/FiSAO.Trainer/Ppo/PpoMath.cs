using FiSAO.Models.Torch;
using FiSAO.Trainer.Configuration;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Trainer.Ppo;

/// <summary>The clipped surrogate's terms for one minibatch (all scalars detached except <see cref="Loss"/>).</summary>
public sealed record PolicyLoss(Tensor Loss, double ClipFraction, double ApproxKl);

/// <summary>
/// The arithmetic of FiSAO PPO on [B, R] tensors of response tokens (right-padded, <c>mask</c> 1 on real tokens, 0 on
/// padding). Pure functions, so tests can check them against hand-computed numbers.
/// </summary>
public static class PpoMath
{
    private static readonly Scalar Half = 0.5.ToScalar();
    private static readonly Scalar WhitenEpsilon = 1e-8.ToScalar();

    /// <summary>
    /// R_t = r_t - xi * (log pi_theta(y_t) - log pi_ref(y_t)) (METHOD.md 4, Algorithm 1): the verifier's token reward minus
    /// the per-token KL penalty (k1 on every token), with pi_theta the rollout policy (pi_old). 0 on padding.
    /// </summary>
    public static Tensor KlPenalisedRewards(Tensor tokenRewards, Tensor logProbs, Tensor refLogProbs, Tensor mask, double xi)
    {
        using var scope = NewDisposeScope();
        return PenalisedRewards(tokenRewards, logProbs - refLogProbs, mask, mask, xi).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// R_t = r_t - xi * KL_t * k_t on the response tokens (<paramref name="mask"/>), 0 on padding; k_t is
    /// <paramref name="klMask"/>, 1 where the KL term applies (<c>ppo.kl_tokens</c>: every token, or the entities' tokens as
    /// Eq. 8 writes it).
    /// </summary>
    public static Tensor PenalisedRewards(Tensor tokenRewards, Tensor kl, Tensor mask, Tensor klMask, double xi)
    {
        using var scope = NewDisposeScope();
        using var xiScalar = xi.ToScalar();
        var penalty = kl * klMask * mask * xiScalar;
        return ((tokenRewards - penalty) * mask).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The per-token KL term of <c>ppo.kl_estimator</c> from the rollout's log-probs of the sampled tokens: k1 =
    /// log pi_theta - log pi_ref; k3 = (r - 1) - log r with r = pi_ref / pi_theta (Schulman's unbiased, non-negative
    /// estimator of KL(pi_theta || pi_ref)); full = <paramref name="fullKl"/>, the exact D_KL[pi_ref || pi_theta] per
    /// position (<see cref="FullKl"/>), which must then be given. 0 on padding.
    /// </summary>
    public static Tensor KlPerToken(KlEstimator estimator, Tensor logProbs, Tensor refLogProbs, Tensor mask, Tensor? fullKl = null)
    {
        using var scope = NewDisposeScope();
        var kl = estimator switch
        {
            KlEstimator.K1 => logProbs - refLogProbs,
            KlEstimator.K3 => K3(logProbs, refLogProbs),
            KlEstimator.Full => fullKl ?? throw new ArgumentException("ppo.kl_estimator = full needs the exact per-position KL.", nameof(fullKl)),
            _ => throw new ArgumentOutOfRangeException(nameof(estimator)),
        };
        return (kl * mask).MoveToOuterDisposeScope();
    }

    private static Tensor K3(Tensor logProbs, Tensor refLogProbs)
    {
        var logR = refLogProbs - logProbs;
        return logR.exp() - Scalars.One - logR;
    }

    /// <summary>
    /// Eq. 8's D_KL[pi_ref || pi_theta] of each position's next-token distributions from their logits [.., V]:
    /// sum_v pi_ref(v) (log pi_ref(v) - log pi_theta(v)), in fp32 -> [..].
    /// </summary>
    public static Tensor FullKl(Tensor refLogits, Tensor logits)
    {
        using var scope = NewDisposeScope();
        var refLogp = refLogits.to(ScalarType.Float32).log_softmax(-1);
        var logp = logits.to(ScalarType.Float32).log_softmax(-1);
        return (refLogp.exp() * (refLogp - logp)).sum(-1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Generalised advantage estimation (Schulman et al. 2016) per row, right to left:
    /// delta_t = R_t + gamma V_{t+1} - V_t (V after a row's last token = 0), A_t = delta_t + gamma lambda A_{t+1};
    /// returns = A + V. Padding gets 0.
    /// </summary>
    public static (Tensor Advantages, Tensor Returns) Gae(Tensor rewards, Tensor values, Tensor mask, double gamma, double lambda)
    {
        using var scope = NewDisposeScope();
        var r = rewards.shape[1];
        using var gammaScalar = gamma.ToScalar();
        using var gammaLambda = (gamma * lambda).ToScalar();
        var v = values * mask;
        var columns = new Tensor[r];
        Tensor next = zeros_like(v.select(1, 0));
        Tensor nextValue = zeros_like(next);
        for (var t = r - 1; t >= 0; t--)
        {
            var m = mask.select(1, t);
            var delta = rewards.select(1, t).add(nextValue * gammaScalar, Scalars.One) - v.select(1, t);
            var advantage = delta.add(next * gammaLambda, Scalars.One) * m;
            columns[t] = advantage;
            next = advantage;
            nextValue = v.select(1, t);
        }
        var advantages = stack(columns, 1);
        var returns = advantages.add(v, Scalars.One) * mask;
        return (advantages.MoveToOuterDisposeScope(), returns.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Returns-to-go per row, right to left: G_t = R_t + gamma G_{t+1} (G after a row's last token = 0), i.e.
    /// G_t = sum_{t' >= t} gamma^(t' - t) R_t' over the response tokens; 0 on padding. The advantage of
    /// <c>ppo.advantage_mode = return</c> (REINFORCE's return without a baseline): a reward on a later token (the sentence
    /// reward on the last one) reaches every earlier token.
    /// </summary>
    public static Tensor ReturnsToGo(Tensor rewards, Tensor mask, double gamma)
    {
        using var scope = NewDisposeScope();
        var r = rewards.shape[1];
        using var gammaScalar = gamma.ToScalar();
        var columns = new Tensor[r];
        Tensor next = zeros_like(rewards.select(1, 0));
        for (var t = r - 1; t >= 0; t--)
        {
            columns[t] = rewards.select(1, t).add(next * gammaScalar, Scalars.One) * mask.select(1, t);
            next = columns[t];
        }
        return stack(columns, 1).MoveToOuterDisposeScope();
    }

    /// <summary>Masked mean.</summary>
    public static Tensor MaskedMean(Tensor x, Tensor mask)
    {
        using var scope = NewDisposeScope();
        return ((x * mask).sum() / mask.sum().clamp_min(Scalars.One)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// sum(x * mask) / <paramref name="tokens"/>, or the masked mean when it is null. A micro-batch passes its minibatch's
    /// token count, so the micro-batches' terms (and gradients) add up to the minibatch's mean.
    /// </summary>
    public static Tensor MaskedMean(Tensor x, Tensor mask, double? tokens)
    {
        if (tokens is not { } n) return MaskedMean(x, mask);
        using var scope = NewDisposeScope();
        using var count = Math.Max(1, n).ToScalar();
        return ((x * mask).sum() / count).MoveToOuterDisposeScope();
    }

    /// <summary>(x - mean) / sqrt(var + 1e-8) over the masked entries (biased variance); 0 on padding.</summary>
    public static Tensor Whiten(Tensor x, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var mean = MaskedMean(x, mask);
        var centred = (x - mean) * mask;
        var variance = MaskedMean(centred * centred, mask);
        return (centred * variance.add(WhitenEpsilon, Scalars.One).rsqrt() * mask).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Eq. 9-10: L = -mean_t min(rho_t A_t, clip(rho_t, 1 - eps, 1 + eps) A_t), rho_t = exp(log pi_theta - log pi_old), the
    /// mean over the minibatch's response tokens. Also the clip fraction (share of tokens with |rho - 1| > eps) and the
    /// approximate KL(pi_old || pi_theta) = mean((rho - 1) - log rho) (the non-negative k3 estimator), both detached.
    /// </summary>
    public static PolicyLoss ClippedPolicyLoss(Tensor logProbs, Tensor oldLogProbs, Tensor advantages, Tensor mask, double epsilon, double? tokens = null)
    {
        using var scope = NewDisposeScope();
        var logRatio = (logProbs - oldLogProbs) * mask;
        var ratio = logRatio.exp();
        var unclipped = ratio * advantages;
        using var low = (1 - epsilon).ToScalar();
        using var high = (1 + epsilon).ToScalar();
        using var epsilonScalar = epsilon.ToScalar();
        var clipped = ratio.clamp(low, high) * advantages;
        var loss = MaskedMean(-minimum(unclipped, clipped), mask, tokens);
        using var noGrad = no_grad();
        var clipFraction = MaskedMean((ratio - Scalars.One).abs().gt(epsilonScalar).to(ScalarType.Float32), mask, tokens).item<float>();
        var approxKl = MaskedMean((ratio - Scalars.One) - logRatio, mask, tokens).item<float>();
        return new PolicyLoss(loss.MoveToOuterDisposeScope(), clipFraction, approxKl);
    }

    /// <summary>
    /// PPO's clipped value loss: 0.5 * mean_t max((V - G)^2, (V_old + clip(V - V_old, -c, c) - G)^2); c = 0 means the plain
    /// 0.5 * mean (V - G)^2.
    /// </summary>
    public static Tensor ClippedValueLoss(Tensor values, Tensor oldValues, Tensor returns, Tensor mask, double clip, double? tokens = null)
    {
        using var scope = NewDisposeScope();
        var plain = (values - returns).pow(Scalars.Two);
        if (clip <= 0) return (MaskedMean(plain, mask, tokens) * Half).MoveToOuterDisposeScope();
        using var low = (-clip).ToScalar();
        using var high = clip.ToScalar();
        var clippedValues = oldValues.add((values - oldValues).clamp(low, high), Scalars.One);
        var clippedLoss = (clippedValues - returns).pow(Scalars.Two);
        return (MaskedMean(maximum(plain, clippedLoss), mask, tokens) * Half).MoveToOuterDisposeScope();
    }

    /// <summary>Entropy of each position's distribution from logits [.., V]: -sum p log p, in fp32.</summary>
    public static Tensor Entropy(Tensor logits)
    {
        using var scope = NewDisposeScope();
        var logp = logits.to(ScalarType.Float32).log_softmax(-1);
        return (-(logp.exp() * logp).sum(-1)).MoveToOuterDisposeScope();
    }
}
