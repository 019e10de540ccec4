using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Ppo;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Trainer.Tests;

/// <summary>The PPO arithmetic against numbers computed by hand (in the comments).</summary>
public sealed class PpoMathTests
{
    private static Tensor T(float[] data, params long[] shape) => tensor(data, shape);

    private static void Near(float[] expected, Tensor actual, double tolerance = 1e-5)
    {
        var values = actual.detach().to(ScalarType.Float32).data<float>().ToArray();
        Assert.Equal(expected.Length, values.Length);
        for (var i = 0; i < values.Length; i++) Assert.True(Math.Abs(expected[i] - values[i]) < tolerance, $"[{i}]: expected {expected[i]}, got {values[i]}");
    }

    [Fact]
    public void Kl_penalised_rewards_subtract_xi_times_the_per_token_log_ratio_and_zero_padding()
    {
        // Row 0: KL = old - ref = [0.5, 0, -0.25]; R = r - 0.1 KL = [-0.05, 1, -0.475].
        // Row 1: one real token, KL = 0.2 -> R = 0.5 - 0.02 = 0.48; padding -> 0 whatever its values.
        using var r = T([0f, 1f, -0.5f, 0.5f, 7f, 7f], 2, 3);
        using var old = T([-1f, -2f, -0.5f, -1f, -3f, -3f], 2, 3);
        using var reference = T([-1.5f, -2f, -0.25f, -1.2f, -1f, -1f], 2, 3);
        using var mask = T([1f, 1f, 1f, 1f, 0f, 0f], 2, 3);
        using var rewards = PpoMath.KlPenalisedRewards(r, old, reference, mask, 0.1);
        Near([-0.05f, 1f, -0.475f, 0.48f, 0f, 0f], rewards);
    }

    [Fact]
    public void Kl_estimators_k1_k3_and_full_match_hand_values()
    {
        // log pi_theta = [-1, -2], log pi_ref = [-1.5, -1.5]:
        //   k1 = theta - ref = [0.5, -0.5]
        //   k3 = (r - 1) - ln r, ln r = ref - theta = [-0.5, 0.5]: [e^-0.5 - 0.5, e^0.5 - 1.5] = [0.1065307, 0.1487213]
        using var theta = T([-1f, -2f, -9f], 1, 3);
        using var reference = T([-1.5f, -1.5f, -4f], 1, 3);
        using var mask = T([1f, 1f, 0f], 1, 3);
        Near([0.5f, -0.5f, 0f], PpoMath.KlPerToken(KlEstimator.K1, theta, reference, mask));
        Near([0.1065307f, 0.1487213f, 0f], PpoMath.KlPerToken(KlEstimator.K3, theta, reference, mask));

        // full, D_KL[pi_ref || pi_theta] over a 2-word vocabulary: pi_ref = softmax(0, 0) = [0.5, 0.5],
        // pi_theta = softmax(ln 3, 0) = [0.75, 0.25]: 0.5 ln(0.5 / 0.75) + 0.5 ln(0.5 / 0.25) = 0.1438410.
        // (The other direction, D_KL[pi_theta || pi_ref] = 0.75 ln 1.5 + 0.25 ln 0.5 = 0.1308120.) Second position: equal
        // distributions, 0. Logits shifted by a constant (7) give the same distribution.
        using var refLogits = T([0f, 0f, 7f, 7f], 1, 2, 2);
        using var logits = T([MathF.Log(3), 0f, 1f, 1f], 1, 2, 2);
        using var full = PpoMath.FullKl(refLogits, logits);
        Near([0.1438410f, 0f], full);
        using var fullMask = T([1f, 1f], 1, 2);
        using var fullTheta = zeros(1, 2);
        Near([0.1438410f, 0f], PpoMath.KlPerToken(KlEstimator.Full, fullTheta, fullTheta, fullMask, full));
    }

    [Fact]
    public void The_kl_term_applies_only_where_the_placement_mask_is_1()
    {
        // r = [0, 1, 0, 0.5 | pad], KL = [0.2, 0.4, -0.1, 0.3 | 9], xi = 0.5, entity tokens = {1, 3}:
        //   all:      R = r - 0.5 KL = [-0.1, 0.8, 0.05, 0.35, 0]
        //   entities: R = [0, 0.8, 0, 0.35, 0]
        using var r = T([0f, 1f, 0f, 0.5f, 3f], 1, 5);
        using var kl = T([0.2f, 0.4f, -0.1f, 0.3f, 9f], 1, 5);
        using var mask = T([1f, 1f, 1f, 1f, 0f], 1, 5);
        using var entities = T([0f, 1f, 0f, 1f, 1f], 1, 5);
        Near([-0.1f, 0.8f, 0.05f, 0.35f, 0f], PpoMath.PenalisedRewards(r, kl, mask, mask, 0.5));
        Near([0f, 0.8f, 0f, 0.35f, 0f], PpoMath.PenalisedRewards(r, kl, mask, entities, 0.5));
    }

    [Fact]
    public void Gae_matches_the_recursion_computed_by_hand()
    {
        // gamma 0.9, lambda 0.8 (gamma lambda = 0.72), row 0 R = [-0.05, 1, -0.475], V = [0.1, 0.2, 0.3]:
        //   t2: delta = -0.475 + 0 - 0.3 = -0.775;             A2 = -0.775
        //   t1: delta = 1 + 0.9 * 0.3 - 0.2 = 1.07;            A1 = 1.07 + 0.72 * -0.775 = 0.512
        //   t0: delta = -0.05 + 0.9 * 0.2 - 0.1 = 0.03;        A0 = 0.03 + 0.72 * 0.512 = 0.39864
        //   returns = A + V = [0.49864, 0.712, -0.475]
        // row 1: one token, R = 0.48, V = 0.4 (padding values 9 ignored): A = 0.08, G = 0.48.
        using var rewards = T([-0.05f, 1f, -0.475f, 0.48f, 0f, 0f], 2, 3);
        using var values = T([0.1f, 0.2f, 0.3f, 0.4f, 9f, 9f], 2, 3);
        using var mask = T([1f, 1f, 1f, 1f, 0f, 0f], 2, 3);
        var (advantages, returns) = PpoMath.Gae(rewards, values, mask, 0.9, 0.8);
        Near([0.39864f, 0.512f, -0.775f, 0.08f, 0f, 0f], advantages);
        Near([0.49864f, 0.712f, -0.475f, 0.48f, 0f, 0f], returns);
        advantages.Dispose();
        returns.Dispose();
    }

    [Fact]
    public void Returns_to_go_sum_the_discounted_rewards_of_the_row_from_each_token_on_and_ignore_padding()
    {
        // gamma 0.5, row 0 R = [0.1, -0.2, 1]: G2 = 1; G1 = -0.2 + 0.5 * 1 = 0.3; G0 = 0.1 + 0.5 * 0.3 = 0.25.
        // Row 1: one real token R = 0.4, padding holding 7s (must not flow back): G0 = 0.4, padding 0.
        using var rewards = T([0.1f, -0.2f, 1f, 0.4f, 7f, 7f], 2, 3);
        using var mask = T([1f, 1f, 1f, 1f, 0f, 0f], 2, 3);
        using var returns = PpoMath.ReturnsToGo(rewards, mask, 0.5);
        Near([0.25f, 0.3f, 1f, 0.4f, 0f, 0f], returns);
    }

    [Fact]
    public void With_gamma_1_a_sentence_reward_on_the_last_token_reaches_every_token_minus_the_kl_terms_to_go()
    {
        // Row 0: r = [0, 0, 1] (sentence reward on the last token), log pi_old - log pi_ref = [0.1, 0.2, 0.3], xi = 1:
        //   R = [-0.1, -0.2, 0.7]; A = G = [1 - 0.6, 1 - 0.5, 1 - 0.3] = [0.4, 0.5, 0.7].
        // Row 1 (two tokens, padded): r = [0, -1], KL = [0.5, 0] -> R = [-0.5, -1]; A = [-1.5, -1], padding 0.
        using var r = T([0f, 0f, 1f, 0f, -1f, 0f], 2, 3);
        using var old = T([-1.1f, -1.2f, -1.3f, -0.5f, -2f, -4f], 2, 3);
        using var reference = T([-1.2f, -1.4f, -1.6f, -1f, -2f, -1f], 2, 3);
        using var mask = T([1f, 1f, 1f, 1f, 1f, 0f], 2, 3);
        using var rewards = PpoMath.KlPenalisedRewards(r, old, reference, mask, 1.0);
        using var advantages = PpoMath.ReturnsToGo(rewards, mask, 1.0);
        Near([0.4f, 0.5f, 0.7f, -1.5f, -1f, 0f], advantages);
    }

    [Fact]
    public void Token_reward_mode_uses_R_as_the_advantage_and_whitening_uses_only_real_tokens()
    {
        // Whiten([1, 2, 3, pad 100]): mean 2, biased variance 2/3 -> (x - 2) / sqrt(2/3) = [-1.224745, 0, 1.224745], pad 0.
        using var x = T([1f, 2f, 3f, 100f], 1, 4);
        using var mask = T([1f, 1f, 1f, 0f], 1, 4);
        using var white = PpoMath.Whiten(x, mask);
        Near([-1.2247449f, 0f, 1.2247449f, 0f], white, 1e-4);
    }

    [Fact]
    public void Clipped_policy_loss_clip_fraction_and_approx_kl_match_hand_values_and_clipped_tokens_get_no_gradient()
    {
        // log pi_old = 0, rho = [1.5, 0.5, 1.1], A = [1, -1, 2], eps = 0.2:
        //   min(1.5, 1.2) = 1.2;  min(-0.5, -0.8) = -0.8;  min(2.2, 2.2) = 2.2   ->  L = -(1.2 - 0.8 + 2.2) / 3 = -0.8666667
        //   clipped share: |rho - 1| > 0.2 for the first two -> 2/3
        //   approx KL = mean((rho - 1) - ln rho) = (0.0945349 + 0.1931472 + 0.0046898) / 3 = 0.0974573
        //   dL/dlog pi: the first two take the clipped (constant) branch -> 0; the third -rho A / 3 = -0.7333333
        using var logp = tensor(new[] { MathF.Log(1.5f), MathF.Log(0.5f), MathF.Log(1.1f) }, [1, 3]).requires_grad_(true);
        using var old = zeros(1, 3);
        using var advantages = T([1f, -1f, 2f], 1, 3);
        using var mask = ones(1, 3);
        var result = PpoMath.ClippedPolicyLoss(logp, old, advantages, mask, 0.2);
        Assert.Equal(-0.8666667, result.Loss.item<float>(), 5);
        Assert.Equal(2.0 / 3, result.ClipFraction, 5);
        Assert.Equal(0.0974573, result.ApproxKl, 5);
        result.Loss.backward();
        Near([0f, 0f, -0.7333333f], logp.grad!);
    }

    [Fact]
    public void Clipped_value_loss_takes_the_larger_of_the_plain_and_clipped_errors()
    {
        // V = [1, 2], V_old = [0.5, 2.5], G = [2, 2], clip 0.2:
        //   t0: plain 1, clipped V = 0.7 -> 1.69;  t1: plain 0, clipped V = 2.3 -> 0.09;  0.5 * (1.69 + 0.09) / 2 = 0.445
        //   unclipped: 0.5 * (1 + 0) / 2 = 0.25
        using var values = T([1f, 2f], 1, 2);
        using var old = T([0.5f, 2.5f], 1, 2);
        using var returns = T([2f, 2f], 1, 2);
        using var mask = ones(1, 2);
        Assert.Equal(0.445, PpoMath.ClippedValueLoss(values, old, returns, mask, 0.2).item<float>(), 5);
        Assert.Equal(0.25, PpoMath.ClippedValueLoss(values, old, returns, mask, 0).item<float>(), 5);
    }

    [Fact]
    public void Entropy_of_uniform_logits_is_log_of_the_vocabulary()
    {
        using var logits = zeros(2, 3, 10);
        Near([.. Enumerable.Repeat(MathF.Log(10), 6)], PpoMath.Entropy(logits));
    }
}
