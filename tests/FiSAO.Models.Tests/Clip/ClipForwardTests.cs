using FiSAO.Models.Clip;
using FiSAO.Models.Tests.Clip.Support;
using FiSAO.Models.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Tests.Clip;

public sealed class ClipForwardTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly TinyClipCheckpoint _tiny = TinyClipCheckpoint.Create(ClipSpec.Tiny());
    private readonly ClipModel _model;

    public ClipForwardTests() => _model = ClipModel.FromPretrained(_tiny.WriteClipFolder(_dir.Path));

    public void Dispose()
    {
        _model.Dispose();
        _dir.Dispose();
    }

    private Tensor Pixels(int count, int seed) =>
        torch.tensor(TinyClipCheckpoint.RandomPixels(count, _tiny.Spec.Vision, seed), [count, 3, 20, 20]);

    [Fact]
    public void Features_have_batch_by_projection_shape()
    {
        using var scope = torch.NewDisposeScope();
        Assert.Equal(new long[] { 3, 12 }, _model.GetImageFeatures(Pixels(3, 1)).shape);
        Assert.Equal(new long[] { 2, 12 }, _model.GetTextFeatures(torch.tensor(new long[] { 0, 4, 98, 0, 98, 1 }, [2, 3])).shape);

        var vision = _model.VisionModel.Forward(Pixels(2, 1), outputHiddenStates: true);
        Assert.Equal(new long[] { 2, 17, 24 }, vision.LastHiddenState.shape);
        Assert.Equal(new long[] { 2, 24 }, vision.PooledOutput.shape);
        Assert.Equal(4, vision.HiddenStates!.Count);
        Assert.Same(vision.LastHiddenState, vision.HiddenStates[^1]);
        Assert.All(vision.HiddenStates, h => Assert.Equal(new long[] { 2, 17, 24 }, h.shape));
    }

    [Fact]
    public void Same_inputs_give_bitwise_identical_features_across_calls_and_loads()
    {
        using var scope = torch.NewDisposeScope();
        using var again = ClipModel.FromPretrained(_dir.Path);
        var pixels = Pixels(2, 4);
        var ids = torch.tensor(new long[] { 0, 7, 33, 98 }, [1, 4]);
        Assert.True(TensorAssert.Same(_model.GetImageFeatures(pixels), _model.GetImageFeatures(pixels)));
        Assert.True(TensorAssert.Same(_model.GetImageFeatures(pixels), again.GetImageFeatures(pixels)));
        Assert.True(TensorAssert.Same(_model.GetTextFeatures(ids), again.GetTextFeatures(ids)));
    }

    [Fact]
    public void Image_features_of_a_batch_equal_those_of_each_image_alone()
    {
        using var scope = torch.NewDisposeScope();
        var pixels = Pixels(4, 8);
        var batch = _model.GetImageFeatures(pixels);
        for (var i = 0; i < 4; i++)
            TensorAssert.Close(batch[i], _model.GetImageFeatures(pixels[i].unsqueeze(0))[0], 1e-5, 1e-5, $"image {i}");
    }

    [Theory]
    [InlineData(1)]  // pad id below the eos id
    [InlineData(98)] // openai style: padding with the end-of-text token itself
    public void Padded_text_batch_with_attention_mask_equals_each_sequence_alone(long padId)
    {
        using var scope = torch.NewDisposeScope();
        long[][] sequences = [[0, 11, 23, 35, 47, 98], [0, 5, 98], [0, 60, 61, 98]];
        var length = sequences.Max(s => s.Length);
        var ids = sequences.SelectMany(s => s.Concat(Enumerable.Repeat(padId, length - s.Length))).ToArray();
        var mask = sequences.SelectMany(s => Enumerable.Repeat(1L, s.Length).Concat(Enumerable.Repeat(0L, length - s.Length))).ToArray();

        var batch = _model.GetTextFeatures(torch.tensor(ids, [3, length]), torch.tensor(mask, [3, length]));
        for (var i = 0; i < sequences.Length; i++)
        {
            var alone = _model.GetTextFeatures(torch.tensor(sequences[i], [1, sequences[i].Length]));
            TensorAssert.Close(alone[0], batch[i], 1e-5, 1e-5, $"sequence {i}");
        }
    }

    [Fact]
    public void Inputs_of_other_types_are_converted()
    {
        using var scope = torch.NewDisposeScope();
        var ids64 = torch.tensor(new long[] { 0, 7, 33, 98 }, [1, 4]);
        Assert.True(TensorAssert.Same(_model.GetTextFeatures(ids64), _model.GetTextFeatures(ids64.to(ScalarType.Int32))));
        var pixels = Pixels(1, 2);
        TensorAssert.Close(_model.GetImageFeatures(pixels), _model.GetImageFeatures(pixels.to(ScalarType.Float64)), 1e-6, 1e-6, "fp64 pixels");
    }

    [Fact]
    public void Wrong_image_size_and_overlong_text_are_clear_errors()
    {
        using var scope = torch.NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => _model.GetImageFeatures(torch.zeros(1, 3, 24, 24)));
        Assert.Contains("[batch, 3, 20, 20]", e.Message);
        Assert.Contains("[1, 3, 24, 24]", e.Message);
        var t = Assert.Throws<ArgumentException>(() => _model.GetTextFeatures(torch.zeros(1, 17, ScalarType.Int64)));
        Assert.Contains("max_position_embeddings 16", t.Message);
    }

    [Fact]
    public void Inference_builds_no_autograd_graph()
    {
        using var scope = torch.NewDisposeScope();
        Assert.False(_model.GetImageFeatures(Pixels(1, 3)).requires_grad);
        Assert.False(_model.GetTextFeatures(torch.tensor(new long[] { 0, 98 }, [1, 2])).requires_grad);
    }
}
