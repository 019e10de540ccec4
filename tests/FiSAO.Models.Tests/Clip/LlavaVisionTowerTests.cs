using FiSAO.Models.Clip;
using FiSAO.Models.Tests.Clip.Support;
using FiSAO.Models.Tests.Support;
using FiSAO.Models.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Tests.Clip;

public sealed class LlavaVisionTowerTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly TinyClipCheckpoint _tiny = TinyClipCheckpoint.Create(ClipSpec.Tiny(), seed: 99);

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// The language-model shard of these folders is not a valid safetensors file, so loading succeeds only if the
    /// loader reads nothing but the vision tower's keys.
    /// </summary>
    [Theory]
    [InlineData("vision_tower.vision_model.")]
    [InlineData("model.vision_tower.vision_model.")]
    public void Loads_only_the_vision_tower_for_both_key_spellings_equal_to_the_CLIP_vision_model(string prefix)
    {
        var llava = _tiny.WriteLlavaFolder(_dir.Sub("llava"), prefix);
        using var tower = ClipCheckpointLoader.LoadLlavaVisionTower(llava, TorchTarget.Cpu());
        using var clip = ClipModel.FromPretrained(_tiny.WriteClipFolder(_dir.Sub("clip")));

        var state = tower.state_dict();
        Assert.Equal(_tiny.Weights.Keys.Where(k => k.StartsWith("vision_model.", StringComparison.Ordinal)).Select(k => k["vision_model.".Length..]).Order(),
            state.Keys.Order());

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var pixels = torch.tensor(TinyClipCheckpoint.RandomPixels(2, _tiny.Spec.Vision, seed: 5), [2, 3, 20, 20]);
        var fromLlava = tower.Forward(pixels, outputHiddenStates: true);
        var fromClip = clip.VisionModel.Forward(pixels, outputHiddenStates: true);
        Assert.Equal(_tiny.Spec.Vision.Layers + 1, fromLlava.HiddenStates!.Count);
        Assert.True(TensorAssert.Same(fromLlava.PooledOutput, fromClip.PooledOutput));
        Assert.True(TensorAssert.Same(fromLlava.HiddenStates[^2], fromClip.HiddenStates![^2]));
    }

    [Fact]
    public void Half_precision_llava_tower_loads_into_fp32_on_cpu()
    {
        var llava = _tiny.WriteLlavaFolder(_dir.Path, "model.vision_tower.vision_model.", ScalarType.BFloat16);
        using var tower = ClipCheckpointLoader.LoadLlavaVisionTower(llava, TorchTarget.Parse("cpu", "fp32"));
        Assert.All(tower.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
    }

    [Fact]
    public void Missing_vision_tensor_error_names_the_full_key()
    {
        var llava = _tiny.WriteLlavaFolder(_dir.Path, "vision_tower.vision_model.", dropVisionKey: "vision_model.post_layernorm.weight");
        var e = Assert.Throws<InvalidDataException>(() => ClipCheckpointLoader.LoadLlavaVisionTower(llava, TorchTarget.Cpu()));
        Assert.Contains("'vision_tower.vision_model.post_layernorm.weight'", e.Message);
    }

    [Fact]
    public void Folder_without_vision_tower_keys_is_a_clear_error()
    {
        var folder = _tiny.WriteClipFolder(_dir.Path); // a CLIP folder has vision_model.*, not vision_tower.*
        File.WriteAllText(_dir.Sub("config.json"), """{"model_type": "llava", "vision_config": {"hidden_size": 24, "num_attention_heads": 3}}""");
        var e = Assert.Throws<InvalidDataException>(() => ClipCheckpointLoader.LoadLlavaVisionTower(folder, TorchTarget.Cpu()));
        Assert.Contains("no vision tower tensors", e.Message);
        Assert.Contains("vision_tower.vision_model.", e.Message);
    }
}
