using FiSAO.Trainer.Ppo;
using FiSAO.Trainer.Tests.Support;
using FiSAO.Trainer.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using TensorAssert = FiSAO.Models.Tests.Support.TensorAssert;

namespace FiSAO.Trainer.Tests;

/// <summary>The data-parallel pieces on their own: replicas start equal, gradients of shares sum to the minibatch's, steps reach every replica.</summary>
[Collection(GlobalRngCollection.Name)]
public sealed class PolicyReplicasTests
{
    private static Dictionary<string, float[]> Values(IReadOnlyList<Parameter> parameters, bool gradients = false) =>
        parameters.Select((p, i) => (i, p)).ToDictionary(x => $"parameter {x.i}", x => TensorAssert.ToFloats(gradients ? x.p.grad! : x.p));

    [Fact]
    public void Replicas_start_as_the_primary_and_broadcast_copies_its_weights_to_every_replica()
    {
        using var primary = MinibatchUpdateTests.Policy(dropout: 0);
        using var head = new ValueHead(primary.Model.Config.TextConfig.HiddenSize, primary.Model.Device);
        // The other replica starts elsewhere: other lora_B, and a value head of its own drawing.
        var other = MinibatchUpdateTests.Policy(dropout: 0);
        using (no_grad())
            foreach (var m in other.Adapters!.Modules.Values) m.LoraB.zero_();
        using var replicas = new PolicyReplicas(primary, head, [other], torchThreads: 1);
        Assert.Equal(2, replicas.Count);
        AssertSameWeights(replicas, "after construction");

        using (no_grad())
            foreach (var p in replicas.Primary.Parameters) p.add_(ones_like(p), Models.Torch.Scalars.One);
        Assert.False(TensorAssert.Same(replicas.Primary.Parameters[0], replicas.Replicas[1].Parameters[0]));
        replicas.Broadcast();
        AssertSameWeights(replicas, "after a step");
    }

    private static void AssertSameWeights(PolicyReplicas replicas, string what)
    {
        var primary = replicas.Primary.Parameters;
        foreach (var replica in replicas.Replicas.Skip(1))
        {
            Assert.Equal(primary.Count, replica.Parameters.Count);
            for (var i = 0; i < primary.Count; i++)
                Assert.True(TensorAssert.Same(primary[i], replica.Parameters[i]), $"{what}: parameter {i} differs");
        }
    }

    [Fact]
    public void Work_by_device_returns_the_rows_in_order_as_one_device_computes_them()
    {
        using var policy = MinibatchUpdateTests.Policy(dropout: 0);
        using var head = new ValueHead(policy.Model.Config.TextConfig.HiddenSize, policy.Model.Device);
        using var scope = NewDisposeScope();
        using var rollout = MinibatchUpdateTests.SampledRollout(policy);
        using var single = new PolicyReplicas(policy, head, [], torchThreads: 1);
        using var several = new PolicyReplicas(policy, head, [MinibatchUpdateTests.Policy(dropout: 0), MinibatchUpdateTests.Policy(dropout: 0)], torchThreads: 1);

        Tensor Values(PolicyReplicas replicas) => replicas.ByDevice(rollout.Batch, rollout.ImageFeatures, (replica, share, features) =>
        {
            using var noGrad = no_grad();
            using var outputs = PolicyForward.Run(replica.Policy.Model, share.InputIds, share.AttentionMask, features, share.PromptLength, replica.ValueHead);
            return (outputs.Values! + outputs.LogProbs).detach().clone();
        });
        var expected = Values(single);
        var actual = Values(several);
        Assert.Equal([4, rollout.Batch.ResponseLength], actual.shape);
        TensorAssert.Close(expected, actual, 1e-6, 1e-6, "V + log pi by device");
    }

    [Theory]
    [InlineData(2, 0)]
    [InlineData(3, 1)]
    public void The_replicas_summed_gradients_are_the_one_device_minibatch_gradient(int devices, int microBatch)
    {
        using var policy = MinibatchUpdateTests.Policy(dropout: 0);
        using var head = new ValueHead(policy.Model.Config.TextConfig.HiddenSize, policy.Model.Device);
        using var scope = NewDisposeScope();
        using var rollout = MinibatchUpdateTests.SampledRollout(policy);
        var ppo = MinibatchUpdateTests.Ppo with { MicroBatchSize = microBatch };

        using var single = new PolicyReplicas(policy, head, [], torchThreads: 1);
        var expected = Gradients(single, rollout, ppo, out var expectedLoss);
        using var several = new PolicyReplicas(policy, head, [.. Enumerable.Range(1, devices - 1).Select(_ => MinibatchUpdateTests.Policy(dropout: 0))], torchThreads: 1);
        var actual = Gradients(several, rollout, ppo, out var actualLoss);

        MinibatchUpdateTests.SameGradients(expected, actual, $"{devices} devices");
        Assert.Equal(expectedLoss.PolicyLoss, actualLoss.PolicyLoss, 1e-6);
        Assert.Equal(expectedLoss.ValueLoss, actualLoss.ValueLoss, 1e-6);
        Assert.Equal(expectedLoss.Entropy, actualLoss.Entropy, 1e-6);
        Assert.Equal(expectedLoss.ApproxKl, actualLoss.ApproxKl, 1e-6);
    }

    private static Dictionary<string, float[]> Gradients(PolicyReplicas replicas, Rollouts.Rollout rollout, Configuration.PpoSettings ppo, out MinibatchLoss loss)
    {
        foreach (var p in replicas.Primary.Parameters) p.grad = null;
        replicas.SetTraining(true, activationCheckpointing: false);
        loss = replicas.Accumulate(rollout, ppo);
        replicas.SetTraining(false, activationCheckpointing: false);
        return Values(replicas.Primary.Parameters, gradients: true);
    }
}
