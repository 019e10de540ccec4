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

/// <summary>Micro-batches and activation checkpointing change memory, not the update: the same minibatch gradient as the plain path.</summary>
[Collection(GlobalRngCollection.Name)]
public sealed class MinibatchUpdateTests
{
    internal static readonly PpoSettings Ppo = new() { MinibatchSize = 4, ClipEpsilon = 0.2, ValueClip = 0.2, ValueCoef = 0.1, EntropyCoef = 0.01 };

    /// <summary>A rollout of 4 sampled responses (different lengths) with random advantages, returns and old values.</summary>
    internal static Rollout SampledRollout(LlavaPolicy policy)
    {
        var (batch, features) = TinyPolicy.Sample(policy, count: 4, maxNewTokens: 8, seed: 9);
        // Rows of different lengths (8, 5, 2, 7 response tokens): cut the sampled responses as an EOS would.
        using (no_grad())
        {
            long[] lengths = [8, 5, 2, 7];
            Assert.Equal(8, batch.ResponseLength);
            for (var row = 0; row < 4; row++)
                for (var t = lengths[row]; t < 8; t++)
                {
                    batch.ResponseMask[row, t] = tensor(0f);
                    batch.OldLogProbs[row, t] = tensor(0f);
                    batch.AttentionMask[row, batch.PromptLength + t] = tensor(0L);
                    batch.InputIds[row, batch.PromptLength + t] = tensor((long)policy.Tokenizer.PadId!.Value);
                }
        }
        using var generator = new Generator(3);
        var mask = batch.ResponseMask;
        Tensor Random() => randn(mask.shape, generator: generator) * mask;
        return new Rollout(batch, features, zeros_like(mask), zeros_like(mask), zeros_like(mask), Random(), Random(), Random());
    }

    private static Dictionary<string, float[]> Gradients(LlavaPolicy policy, ValueHead head, Rollout rollout, PpoSettings ppo, bool checkpointing)
    {
        var parameters = policy.TrainableParameters().Concat(head.parameters()).ToList();
        foreach (var p in parameters) p.grad = null;
        policy.Model.train();
        policy.Model.LanguageModel.Model.GradientCheckpointing = checkpointing;
        torch.random.manual_seed(77);                               // the same LoRA dropout masks on every path
        using (var scope = NewDisposeScope()) MinibatchUpdate.Accumulate(policy.Model, head, rollout, ppo);
        policy.Model.LanguageModel.Model.GradientCheckpointing = false;
        policy.Model.eval();
        return policy.Adapters!.NamedParameters().Select(p => (p.Name, (Tensor)p.Tensor))
            .Concat(head.named_parameters().Select(p => ("value_head." + p.name, (Tensor)p.parameter)))
            .ToDictionary(p => p.Item1, p => TensorAssert.ToFloats(p.Item2.grad!));
    }

    internal static void SameGradients(Dictionary<string, float[]> expected, Dictionary<string, float[]> actual, string what)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, grad) in expected)
        {
            Assert.True(grad.Any(g => g != 0), $"{name}: no gradient");
            TensorAssert.CloseValues([.. grad.Select(g => (double)g)], actual[name], 1e-6 * grad.Max(Math.Abs), 1e-6, $"{what}: {name}");
        }
    }

    internal static LlavaPolicy Policy(double dropout) => TinyPolicy.WithAdapters(dropout);

    [Fact]
    public void Micro_batches_give_the_plain_minibatch_gradient()
    {
        // LoRA dropout 0: a micro-batch of other shape draws other dropout masks (the same distribution, not the same numbers).
        using var policy = Policy(dropout: 0);
        using var head = new ValueHead(policy.Model.Config.TextConfig.HiddenSize, policy.Model.Device);
        using var scope = NewDisposeScope();
        using var rollout = SampledRollout(policy);

        var plain = Gradients(policy, head, rollout, Ppo, checkpointing: false);
        SameGradients(plain, Gradients(policy, head, rollout, Ppo with { MicroBatchSize = 1 }, checkpointing: false), "micro-batches of 1");
        SameGradients(plain, Gradients(policy, head, rollout, Ppo with { MicroBatchSize = 3 }, checkpointing: false), "micro-batches of 3 + 1");
        SameGradients(plain, Gradients(policy, head, rollout, Ppo with { MicroBatchSize = 2 }, checkpointing: true), "micro-batches of 2, checkpointed");
    }

    [Fact]
    public void Activation_checkpointing_gives_the_plain_minibatch_gradient_with_lora_dropout_on()
    {
        using var policy = Policy(dropout: 0.1);
        using var head = new ValueHead(policy.Model.Config.TextConfig.HiddenSize, policy.Model.Device);
        using var scope = NewDisposeScope();
        using var rollout = SampledRollout(policy);

        SameGradients(Gradients(policy, head, rollout, Ppo, checkpointing: false), Gradients(policy, head, rollout, Ppo, checkpointing: true), "activation checkpointing");
    }
}
