using FiSAO.Models.Clip;
using FiSAO.Models.Tests.Clip.Support;
using FiSAO.Models.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Tests.Clip;

public sealed class ClipLoadingTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly TinyClipCheckpoint _tiny = TinyClipCheckpoint.Create(ClipSpec.Tiny());

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Loads_strictly_with_every_parameter_equal_to_the_file()
    {
        using var model = ClipModel.FromPretrained(_tiny.WriteClipFolder(_dir.Path));

        var state = model.state_dict();
        Assert.Equal(_tiny.Weights.Keys.Order(), state.Keys.Order());
        foreach (var (name, expected) in _tiny.Weights)
        {
            Assert.Equal(expected.Shape, state[name].shape);
            Assert.Equal(ScalarType.Float32, state[name].dtype);
            Assert.True(expected.Data.SequenceEqual(TensorAssert.ToFloats(state[name])), $"{name} differs from the checkpoint");
        }
        Assert.Equal(Math.Log(100), model.LogitScale, 6);
        Assert.Equal(100, model.LogitScaleExp, 3);
    }

    [Fact]
    public void Missing_tensor_error_names_the_key()
    {
        const string key = "vision_model.encoder.layers.1.mlp.fc2.bias";
        var folder = _tiny.WriteClipFolder(_dir.Path, new CheckpointOptions { DropKey = key });
        var e = Assert.Throws<InvalidDataException>(() => ClipModel.FromPretrained(folder));
        Assert.Contains("missing", e.Message);
        Assert.Contains($"'{key}'", e.Message);
    }

    [Fact]
    public void Misshaped_tensor_error_names_the_key_and_both_shapes()
    {
        const string key = "text_model.encoder.layers.0.self_attn.q_proj.weight";
        var folder = _tiny.WriteClipFolder(_dir.Path, new CheckpointOptions { ReshapeKey = (key, [32, 31]) });
        var e = Assert.Throws<InvalidDataException>(() => ClipModel.FromPretrained(folder));
        Assert.Contains($"'{key}'", e.Message);
        Assert.Contains("[32, 31]", e.Message);
        Assert.Contains("[32, 32]", e.Message);
    }

    [Theory]
    [InlineData("text_model.encoder.layers.0.self_attn.qkv.weight")]
    [InlineData("vision_model.head.weight")]
    [InlineData("text_model.embeddings.token_type_ids")]
    public void Unknown_tensor_error_names_the_key(string key)
    {
        var folder = _tiny.WriteClipFolder(_dir.Path, new CheckpointOptions { ExtraKey = key });
        var e = Assert.Throws<InvalidDataException>(() => ClipModel.FromPretrained(folder));
        Assert.Contains("match no parameter", e.Message);
        Assert.Contains($"'{key}'", e.Message);
    }

    [Fact]
    public void Position_ids_buffers_of_older_checkpoints_are_skipped()
    {
        var folder = _tiny.WriteClipFolder(_dir.Path, new CheckpointOptions { IncludePositionIds = true });
        using var model = ClipModel.FromPretrained(folder);
        Assert.DoesNotContain(model.state_dict().Keys, k => k.EndsWith("position_ids", StringComparison.Ordinal));
    }

    [Fact]
    public void Sharded_checkpoint_loads_the_same_weights_as_a_single_file()
    {
        using var single = ClipModel.FromPretrained(_tiny.WriteClipFolder(_dir.Sub("single")));
        using var sharded = ClipModel.FromPretrained(_tiny.WriteClipFolder(_dir.Sub("sharded"), new CheckpointOptions { Sharded = true }));
        var a = single.state_dict();
        foreach (var (name, value) in sharded.state_dict())
            Assert.True(TensorAssert.Same(value, a[name]), name);
    }

    [Theory]
    [InlineData(ScalarType.Float16, 5e-3)]
    [InlineData(ScalarType.BFloat16, 5e-2)]
    public void Half_precision_checkpoints_load_on_cpu_into_fp32_close_to_fp32(ScalarType stored, double tolerance)
    {
        using var reference = ClipModel.FromPretrained(_tiny.WriteClipFolder(_dir.Sub("fp32")));
        using var half = ClipModel.FromPretrained(_tiny.WriteClipFolder(_dir.Sub("half"), new CheckpointOptions { DType = stored }), "cpu", "fp32");

        // Each parameter is exactly the stored half value widened to fp32 ...
        const string probe = "vision_model.encoder.layers.2.mlp.fc1.weight";
        using (var expected = torch.tensor(_tiny.Weights[probe].Data, _tiny.Weights[probe].Shape).to(stored).to(ScalarType.Float32))
        {
            var loaded = half.state_dict()[probe];
            Assert.Equal(ScalarType.Float32, loaded.dtype);
            Assert.True(TensorAssert.Same(loaded, expected));
        }

        // ... and the features stay close to those of the fp32 weights (relative L2 error per row; the random tiny
        // net amplifies weight rounding more than trained CLIP does, so elementwise bounds would be loose anyway).
        using var scope = torch.NewDisposeScope();
        var pixels = torch.tensor(TinyClipCheckpoint.RandomPixels(2, _tiny.Spec.Vision, seed: 3), [2, 3, 20, 20]);
        var ids = torch.tensor(new long[] { 0, 5, 17, 98, 1, 1, 0, 44, 3, 9, 12, 98 }, [2, 6]);
        AssertRelativeError(reference.GetImageFeatures(pixels), half.GetImageFeatures(pixels), tolerance, "image features");
        AssertRelativeError(reference.GetTextFeatures(ids), half.GetTextFeatures(ids), tolerance, "text features");
    }

    private static void AssertRelativeError(Tensor expected, Tensor actual, double bound, string what)
    {
        var error = ((actual - expected).norm(1, p: 2) / expected.norm(1, p: 2)).max().item<float>();
        Assert.True(error <= bound, $"{what}: relative L2 error {error} exceeds {bound}");
    }

    [Fact]
    public void Folder_without_config_is_a_clear_error()
    {
        _tiny.WriteClipFolder(_dir.Path);
        File.Delete(_dir.Sub("config.json"));
        var e = Assert.Throws<FileNotFoundException>(() => ClipModel.FromPretrained(_dir.Path));
        Assert.Contains("config.json", e.Message);
    }
}
