using FiSAO.Trainer.Configuration;
using FiSAO.Trainer.Ppo;
using FiSAO.Trainer.Rollouts;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Trainer.Tests;

/// <summary>
/// One minibatch of the trainer's update against hand-computed losses and gradients, on two padded rows of different
/// lengths (3 and 1 response tokens) whose padding holds garbage in everything the policy computes (log-probs, values,
/// entropy), as a forward pass over padding does.
/// </summary>
public sealed class PpoObjectiveTests
{
    private static readonly PpoSettings Ppo = new() { ClipEpsilon = 0.2, ValueClip = 0.2, ValueCoef = 0.1, EntropyCoef = 0.01 };

    private static Tensor T(params float[] data) => tensor(data, [2, 3]);

    private static Rollout Minibatch() => new(
        new PolicyBatch(zeros([2, 5], ScalarType.Int64), ones([2, 5], ScalarType.Int64),
            ResponseMask: T(1, 1, 1, 1, 0, 0),
            OldLogProbs: T(-1.0f, -0.7f, -1.5f, -0.5f, 0, 0),
            PromptLength: 2),
        ImageFeatures: zeros([2, 1, 1]),
        RefLogProbs: zeros([2, 3]),
        TokenRewards: zeros([2, 3]),
        Rewards: zeros([2, 3]),
        Advantages: T(1.0f, -2.0f, 0.5f, 2.0f, 0, 0),
        Returns: T(1.0f, 0.0f, 0.1f, 0.2f, 0, 0),
        OldValues: T(0.35f, 0.4f, -0.2f, 0.5f, 0, 0));

    private static (Tensor LogProbs, Tensor Values, Tensor Entropy) Leaves() => (
        T(-1.0f, -0.5f, -2.0f, -0.3f, 4.0f, 4.0f).requires_grad_(),
        T(0.5f, 0.1f, -0.2f, 1.0f, 9f, 9f).requires_grad_(),
        T(1f, 2f, 3f, 4f, 100f, 100f).requires_grad_());

    private static float[] Values(Tensor t) => t.detach().contiguous().data<float>().ToArray();

    private static void Near(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-5, $"{what}[{i}]: expected {expected[i]}, got {actual[i]}");
    }

    [Fact]
    public void The_minibatch_loss_and_its_gradients_match_hand_values_and_ignore_padding()
    {
        using var scope = NewDisposeScope();
        using var rollout = Minibatch();
        var (logp, values, entropy) = Leaves();
        var loss = PpoObjective.Compute(new PolicyOutputs(logp, entropy, values), rollout, Ppo, tokens: 4);
        loss.Loss.backward();

        // ratio = exp(logp - old) on real tokens = [1, e^0.2, e^-0.5 | e^0.2]; clip to [0.8, 1.2]; min(ratio A, clip A) =
        // [1, -2.442806, 0.303265 | 2.4] -> policy loss = -(1.260460) / 4 = -0.315115.
        Assert.Equal(-0.3151150, loss.PolicyLoss, 1e-5);
        // Clipped tokens |ratio - 1| > 0.2: 3 of 4. approx KL = mean((ratio - 1) - log ratio) = 0.149336 / 4.
        Assert.Equal(0.75, loss.ClipFraction, 1e-6);
        Assert.Equal(0.0373340, loss.ApproxKl, 1e-5);
        // max((V - G)^2, (V_old + clip(V - V_old, +-0.2) - G)^2) = [0.25, 0.04, 0.09 | 0.64] -> 0.5 * 1.02 / 4.
        Assert.Equal(0.1275, loss.ValueLoss, 1e-5);
        Assert.Equal(2.5, loss.Entropy, 1e-5);
        // L = -0.315115 + 0.1 * 0.1275 - 0.01 * 2.5.
        Assert.Equal(-0.3273650, loss.Loss.item<float>(), 1e-5);

        // dL/dlogp = -ratio A / 4 where the unclipped term is the min, 0 where the clipped constant is, 0 on padding.
        Near([-0.25f, 0.6107014f, -0.0758163f, 0, 0, 0], Values(logp.grad!), "dL/dlogp");
        // dL/dV = 0.1 * 0.5 * 2 (V - G) / 4 where the unclipped square is the max, 0 where the clipped one is.
        Near([-0.0125f, 0, -0.0075f, 0.02f, 0, 0], Values(values.grad!), "dL/dV");
        Near([-0.0025f, -0.0025f, -0.0025f, -0.0025f, 0, 0], Values(entropy.grad!), "dL/dH");
    }

    [Fact]
    public void Micro_batches_over_the_minibatch_token_count_add_up_to_the_minibatch()
    {
        using var scope = NewDisposeScope();
        using var rollout = Minibatch();
        var (logp, values, entropy) = Leaves();
        var whole = PpoObjective.Compute(new PolicyOutputs(logp, entropy, values), rollout, Ppo, tokens: 4);
        whole.Loss.backward();

        var (logp2, values2, entropy2) = Leaves();
        double policyLoss = 0, valueLoss = 0, approxKl = 0;
        foreach (var row in new long[] { 0, 1 })
        {
            var rows = tensor(new[] { row });
            using var micro = rollout.Rows(rows);
            var part = PpoObjective.Compute(
                new PolicyOutputs(logp2.index_select(0, rows), entropy2.index_select(0, rows), values2.index_select(0, rows)), micro, Ppo, tokens: 4);
            part.Loss.backward();
            (policyLoss, valueLoss, approxKl) = (policyLoss + part.PolicyLoss, valueLoss + part.ValueLoss, approxKl + part.ApproxKl);
        }
        Assert.Equal(whole.PolicyLoss, policyLoss, 1e-6);
        Assert.Equal(whole.ValueLoss, valueLoss, 1e-6);
        Assert.Equal(whole.ApproxKl, approxKl, 1e-6);
        Near(Values(logp.grad!), Values(logp2.grad!), "dL/dlogp");
        Near(Values(values.grad!), Values(values2.grad!), "dL/dV");
        Near(Values(entropy.grad!), Values(entropy2.grad!), "dL/dH");
    }
}
