using FiSAO.Models.Llava;
using FiSAO.Models.Lora;
using FiSAO.Models.Tests.Llava.Support;
using FiSAO.Models.Tests.Support;
using FiSAO.Models.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Tests.Llama;

/// <summary>Activation checkpointing per decoder layer changes memory, not results: same log-probs, same LoRA gradients.</summary>
[Collection(GlobalRngCollection.Name)]
public sealed class GradientCheckpointingTests : IDisposable
{
    private static readonly TinyLlavaCheckpoint Tiny = TinyLlavaCheckpoint.Create();
    private static readonly long[] Ids = [1, 270, 300, .. Enumerable.Repeat((long)TinySentencePiece.ImageId, 16), 280, 281, 7, 9, 11, 12];
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static (float[] LogProbs, Dictionary<string, float[]> Grads) LossAndGrads(LlavaForConditionalGeneration model, LoraAdapters adapters, bool checkpointing)
    {
        model.LanguageModel.Model.GradientCheckpointing = checkpointing;
        foreach (var p in adapters.Parameters()) p.grad = null;
        model.train();
        torch.random.manual_seed(1234);                       // the same LoRA dropout masks in both runs
        using var scope = NewDisposeScope();
        var features = model.GetImageFeatures(tensor(Tiny.Pixels(2, seed: 3), Tiny.PixelShape(2))).detach();
        var ids = tensor(Ids.Concat(Ids).ToArray(), [2, Ids.Length]);
        var mask = ones_like(ids);
        mask[1, -1] = tensor(0L);                              // a padded response token in row 1
        var logProbs = model.ResponseLogProbs(ids, mask, features, Ids.Length - 5);
        (logProbs * logProbs.detach().exp()).sum().backward();
        model.eval();
        return (TensorAssert.ToFloats(logProbs), adapters.NamedParameters().ToDictionary(p => p.Name, p => TensorAssert.ToFloats(p.Tensor.grad!)));
    }

    [Fact]
    public void Checkpointed_layers_give_the_plain_paths_log_probs_and_lora_gradients_with_dropout_on()
    {
        var folder = Tiny.Write(_dir.Sub("base"), new LlavaFolderOptions { Tokenizer = false });
        using var model = LlavaForConditionalGeneration.FromPretrained(folder, TorchTarget.Cpu());
        var adapters = LoraAdapters.Attach(model, new LoraConfig { Rank = 4, Alpha = 8, Dropout = 0.2, TargetModules = ["q_proj", "v_proj", "o_proj", "down_proj"] });
        using (no_grad())
        {
            using var generator = new Generator(5);
            foreach (var m in adapters.Modules.Values) m.LoraB.copy_(randn(m.LoraB.shape, generator: generator) * 0.5);
        }

        var plain = LossAndGrads(model, adapters, checkpointing: false);
        var checkpointed = LossAndGrads(model, adapters, checkpointing: true);

        TensorAssert.CloseValues(plain.LogProbs.Select(x => (double)x).ToArray(), checkpointed.LogProbs, 1e-6, 1e-6, "log-probs");
        Assert.Equal(plain.Grads.Keys.Order(), checkpointed.Grads.Keys.Order());
        foreach (var (name, grad) in plain.Grads)
        {
            Assert.True(grad.Any(g => g != 0), $"{name}: no gradient");
            var scale = grad.Max(Math.Abs);
            TensorAssert.CloseValues(grad.Select(x => (double)x).ToArray(), checkpointed.Grads[name], 1e-6 * scale, 1e-6, name);
        }
    }
}
