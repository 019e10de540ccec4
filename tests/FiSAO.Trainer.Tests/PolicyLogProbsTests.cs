using FiSAO.Models.Imaging;
using FiSAO.Models.Llava;
using FiSAO.Models.Lora;
using FiSAO.Models.Torch;
using FiSAO.Trainer.Ppo;
using FiSAO.Trainer.Rollouts;
using FiSAO.Trainer.Tests.Support;
using TensorAssert = FiSAO.Models.Tests.Support.TensorAssert;
using TorchSharp;

namespace FiSAO.Trainer.Tests;

/// <summary>The calls a PPO step makes, end to end on the tiny llava-hf folder (moved here with PolicyBatch from FiSAO.Models).</summary>
public sealed class PolicyLogProbsTests
{
    [Fact]
    public void Rollout_then_policy_and_reference_log_probs_then_adapters_saved_and_reloaded()
    {
        var folder = TinyPolicy.Directory;
        using var policy = LlavaPolicy.Load(folder, TorchTarget.Cpu(), new LoraConfig { Rank = 4, Alpha = 8, Dropout = 0 });

        using var scope = torch.NewDisposeScope();
        var source = new ShapesPromptSource(5, 16, "Describe this image.");
        var images = ClipImageProcessor.FromDirectory(folder);
        var features = policy.ImageFeatures(images.Preprocess([(ReadOnlyMemory<byte>)source.Get(0).Image, source.Get(1).Image]));
        var prompts = PromptBatch.LeftPadded([policy.EncodePrompt("the dog."), policy.EncodePrompt("a cat")], policy.Tokenizer.PadId!.Value);
        var rollout = policy.GenerateFromFeatures(prompts, features, new GenerationOptions { MaxNewTokens = 6, Seed = 3 });
        using var batch = PolicyBatch.From(rollout);

        // Fresh adapters (B = 0): pi_theta = pi_ref = the rollout's pi_old.
        var logp = policy.ResponseLogProbs(batch, features);
        using (torch.no_grad())
        {
            TensorAssert.Close(batch.OldLogProbs, logp, 2e-5, 1e-5, "pi_theta vs pi_old");
            TensorAssert.Close(logp, Reference(policy, batch, features), 0, 0, "pi_theta vs pi_ref");
        }

        // One optimizer step on a PPO-like loss moves pi_theta but not pi_ref.
        using var optimizer = torch.optim.Adam(policy.TrainableParameters(), lr: 0.05);
        var loss = -(logp * batch.ResponseMask).sum();
        loss.backward();
        optimizer.step();
        optimizer.zero_grad();
        using (torch.no_grad())
        {
            var after = policy.ResponseLogProbs(batch, features);
            Assert.True((after - batch.OldLogProbs).abs().max().item<float>() > 1e-3);
            TensorAssert.Close(logp.detach(), Reference(policy, batch, features), 0, 0, "pi_ref unchanged");
            Assert.True(policy.Adapters!.Enabled);

            var adapterFolder = TestDirectories.New("adapter");
            policy.SaveAdapters(adapterFolder, LlavaKeyLayout.Current);
            using var reloaded = LlavaPolicy.Load(folder, TorchTarget.Cpu(), adapterDirectory: adapterFolder);
            TensorAssert.Close(after, reloaded.ResponseLogProbs(batch, features), 0, 0, "reloaded adapters");
        }
    }

    /// <summary>log pi_ref as a step reads it (the rollout pass, adapters off), over both rows in one micro-batch.</summary>
    private static torch.Tensor Reference(LlavaPolicy policy, PolicyBatch batch, torch.Tensor features) =>
        RolloutLogProbs.Compute(policy, batch, features, new FiSAO.Trainer.Configuration.PpoSettings { MinibatchSize = 2 }).RefLogProbs;
}
