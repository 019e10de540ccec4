using FiSAO.Models.Llava;
using FiSAO.Models.Lora;
using FiSAO.Models.Tests.Llava.Support;
using FiSAO.Models.Tests.Support;
using FiSAO.Models.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Tests.Llava;

/// <summary>The calls a PPO step makes, end to end on a tiny llava-hf folder.</summary>
public sealed class LlavaPolicyTests : IDisposable
{
    private static readonly TinyLlavaCheckpoint Tiny = TinyLlavaCheckpoint.Create();
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Rollout_then_policy_and_reference_log_probs_then_adapters_saved_and_reloaded()
    {
        var folder = Tiny.Write(_dir.Sub("model"), new LlavaFolderOptions { CurrentLayout = true, Sharded = true });
        using var policy = LlavaPolicy.Load(folder, TorchTarget.Cpu(), new LoraConfig { Rank = 4, Alpha = 8, Dropout = 0 });
        Assert.Equal(LlavaKeyLayout.Current, policy.CheckpointLayout);

        using var scope = torch.NewDisposeScope();
        var features = policy.ImageFeatures(torch.tensor(Tiny.Pixels(2, seed: 1), Tiny.PixelShape(2)));
        var prompts = PromptBatch.LeftPadded([policy.EncodePrompt("the dog."), policy.EncodePrompt("a cat")], policy.Tokenizer.PadId!.Value);
        var rollout = policy.GenerateFromFeatures(prompts, features, new GenerationOptions { MaxNewTokens = 6, Seed = 3 });
        using var batch = rollout.ToPolicyBatch();

        // Fresh adapters (B = 0): pi_theta = pi_ref = the rollout's pi_old.
        var logp = policy.ResponseLogProbs(batch, features);
        using (torch.no_grad())
        {
            TensorAssert.Close(batch.OldLogProbs, logp, 2e-5, 1e-5, "pi_theta vs pi_old");
            TensorAssert.Close(logp, policy.ReferenceLogProbs(batch, features), 0, 0, "pi_theta vs pi_ref");
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
            TensorAssert.Close(logp.detach(), policy.ReferenceLogProbs(batch, features), 0, 0, "pi_ref unchanged");
            Assert.True(policy.Adapters!.Enabled);

            policy.SaveAdapters(_dir.Sub("adapter"), LlavaKeyLayout.Current);
            using var reloaded = LlavaPolicy.Load(folder, TorchTarget.Cpu(), adapterDirectory: _dir.Sub("adapter"));
            TensorAssert.Close(after, reloaded.ResponseLogProbs(batch, features), 0, 0, "reloaded adapters");
        }
    }
}
