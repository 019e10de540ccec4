using FiSAO.Models.Clip;
using FiSAO.Models.Tests.Clip.Support;
using FiSAO.Models.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Tests.Clip;

/// <summary>
/// The TorchSharp forward against <see cref="ReferenceClip"/>, an independent double-precision loop implementation of
/// HF's modeling_clip.py, on random tiny checkpoints read back from disk.
/// </summary>
public sealed class ClipReferenceTests : IDisposable
{
    private const double Tolerance = 1e-4;

    // Ids hold both 98 (the largest) and 97 at different places, so the two pooling rules pick different tokens.
    private static readonly long[][] Sequences = [[0, 15, 98, 33, 97, 60], [0, 8, 97, 98], [0, 98, 21, 97, 44]];

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("quick_gelu", 2)]  // legacy openai config: pool at argmax(ids)
    [InlineData("gelu", 2)]
    [InlineData("quick_gelu", 97)] // newer config: pool at the first eos_token_id
    [InlineData("gelu", 97)]
    public void Features_match_the_naive_reference(string activation, int eosTokenId)
    {
        var tiny = TinyClipCheckpoint.Create(ClipSpec.Tiny(activation, eosTokenId), seed: activation.Length * 100 + eosTokenId);
        using var model = ClipModel.FromPretrained(tiny.WriteClipFolder(_dir.Path));
        var reference = new ReferenceClip(tiny.Spec, tiny.Weights);
        using var scope = torch.NewDisposeScope();

        var pixels = TinyClipCheckpoint.RandomPixels(2, tiny.Spec.Vision, seed: 11);
        var imageFeatures = model.GetImageFeatures(torch.tensor(pixels, [2, 3, 20, 20]));
        var perImage = pixels.Length / 2;
        for (var i = 0; i < 2; i++)
            TensorAssert.CloseValues(reference.ImageFeatures(pixels.AsSpan(i * perImage, perImage)), TensorAssert.ToFloats(imageFeatures[i]),
                Tolerance, Tolerance, $"image {i} ({activation})");

        var (ids, mask, length) = PaddedBatch();
        var textFeatures = model.GetTextFeatures(torch.tensor(ids, [Sequences.Length, length]), torch.tensor(mask, [Sequences.Length, length]));
        for (var i = 0; i < Sequences.Length; i++)
        {
            var rowIds = ids.Skip(i * length).Take(length).ToArray();
            var rowMask = mask.Skip(i * length).Take(length).Select(m => (int)m).ToArray();
            TensorAssert.CloseValues(reference.TextFeatures(rowIds, rowMask), TensorAssert.ToFloats(textFeatures[i]),
                Tolerance, Tolerance, $"text {i} ({activation}, eos {eosTokenId})");
        }
    }

    [Fact]
    public void Logits_per_image_are_scaled_cosine_similarities_of_the_reference_features()
    {
        var tiny = TinyClipCheckpoint.Create(ClipSpec.Tiny(), seed: 21);
        using var model = ClipModel.FromPretrained(tiny.WriteClipFolder(_dir.Path));
        var reference = new ReferenceClip(tiny.Spec, tiny.Weights);
        using var scope = torch.NewDisposeScope();
        var pixels = TinyClipCheckpoint.RandomPixels(2, tiny.Spec.Vision, seed: 4);
        var (ids, mask, length) = PaddedBatch();

        var logits = model.LogitsPerImage(
            model.GetImageFeatures(torch.tensor(pixels, [2, 3, 20, 20])),
            model.GetTextFeatures(torch.tensor(ids, [Sequences.Length, length]), torch.tensor(mask, [Sequences.Length, length])));

        Assert.Equal(new long[] { 2, Sequences.Length }, logits.shape);
        var perImage = pixels.Length / 2;
        var expected = new List<double>();
        for (var i = 0; i < 2; i++)
        {
            var image = reference.ImageFeatures(pixels.AsSpan(i * perImage, perImage));
            for (var j = 0; j < Sequences.Length; j++)
            {
                var text = reference.TextFeatures(ids.Skip(j * length).Take(length).ToArray(), mask.Skip(j * length).Take(length).Select(m => (int)m).ToArray());
                var cosine = image.Zip(text, (a, b) => a * b).Sum() / Math.Sqrt(image.Sum(a => a * a) * text.Sum(b => b * b));
                expected.Add(100 * cosine); // logit_scale = ln 100
            }
        }
        TensorAssert.CloseValues(expected, TensorAssert.ToFloats(logits), 1e-3, 1e-4, "logits_per_image");
    }

    [Fact]
    public void Vision_hidden_states_match_the_naive_reference_layer_by_layer()
    {
        var tiny = TinyClipCheckpoint.Create(ClipSpec.Tiny("gelu"), seed: 5);
        using var model = ClipModel.FromPretrained(tiny.WriteClipFolder(_dir.Path));
        var pixels = TinyClipCheckpoint.RandomPixels(1, tiny.Spec.Vision, seed: 12);
        var expected = new ReferenceClip(tiny.Spec, tiny.Weights).VisionHiddenStates(pixels);

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var actual = model.VisionModel.Forward(torch.tensor(pixels, [1, 3, 20, 20]), outputHiddenStates: true).HiddenStates!;
        Assert.Equal(expected.Count, actual.Count);
        for (var layer = 0; layer < expected.Count; layer++)
            TensorAssert.CloseValues(expected[layer].SelectMany(r => r).ToArray(), TensorAssert.ToFloats(actual[layer]), Tolerance, Tolerance, $"hidden_states[{layer}]");
    }

    /// <summary>Guards the check itself: the wrong activation or pooling token moves features far beyond the tolerance.</summary>
    [Fact]
    public void Reference_check_is_sensitive_to_activation_and_pooling()
    {
        var tiny = TinyClipCheckpoint.Create(ClipSpec.Tiny("quick_gelu", 2), seed: 1);
        var right = new ReferenceClip(tiny.Spec, tiny.Weights);
        var otherActivation = new ReferenceClip(ClipSpec.Tiny("gelu", 2), tiny.Weights);
        var otherPooling = new ReferenceClip(ClipSpec.Tiny("quick_gelu", 97), tiny.Weights);
        var pixels = TinyClipCheckpoint.RandomPixels(1, tiny.Spec.Vision, seed: 11);

        Assert.True(TensorAssert.MaxAbsDiff(right.ImageFeatures(pixels), otherActivation.ImageFeatures(pixels)) > 100 * Tolerance);
        Assert.True(TensorAssert.MaxAbsDiff(right.TextFeatures(Sequences[0]), otherActivation.TextFeatures(Sequences[0])) > 100 * Tolerance);
        Assert.True(TensorAssert.MaxAbsDiff(right.TextFeatures(Sequences[0]), otherPooling.TextFeatures(Sequences[0])) > 100 * Tolerance);
    }

    [Theory]
    [InlineData(0.5, 0.5204998778130465)]
    [InlineData(1.0, 0.8427007929497149)]
    [InlineData(-2.0, -0.9953222650189527)]
    [InlineData(2.99, 0.9999764743969194)]
    [InlineData(3.5, 0.9999992569016276)]
    [InlineData(5.0, 0.9999999999984626)]
    public void Reference_erf_is_accurate(double x, double expected) => Assert.Equal(expected, ReferenceClip.Erf(x), 12);

    private static (long[] Ids, long[] Mask, int Length) PaddedBatch()
    {
        var length = Sequences.Max(s => s.Length);
        var ids = Sequences.SelectMany(s => s.Concat(Enumerable.Repeat(1L, length - s.Length))).ToArray();
        var mask = Sequences.SelectMany(s => Enumerable.Repeat(1L, s.Length).Concat(Enumerable.Repeat(0L, length - s.Length))).ToArray();
        return (ids, mask, length);
    }
}
