using FiSAO.Models.Clip;
using FiSAO.Models.Tests.Clip.Support;
using FiSAO.Models.Tests.Support;
using FiSAO.Models.Torch;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace FiSAO.Models.Tests.Clip;

/// <summary>
/// bf16 against fp32 on tiny random checkpoints read back from disk: features stay within cosine 0.999, and mixed
/// precision (CPU) keeps everything but the matrix products in fp32. The targets are built with explicit processor
/// features, so these run on any CPU (bf16 arithmetic works everywhere; it is only slow without AVX512_BF16 / AMX).
/// </summary>
public sealed class ClipPrecisionTests(ITestOutputHelper output) : IDisposable
{
    private const double MinCosine = 0.999;
    private static readonly CpuFeatures Bf16Cpu = new(Avx512Bf16: true, AmxBf16: false, Avx512Fp16: false, AmxFp16: false);
    private static readonly long[][] Sequences = [[0, 15, 98, 33, 97, 60], [0, 8, 97, 98], [0, 98, 21, 97, 44]];

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("quick_gelu")]
    [InlineData("gelu")]
    public void Mixed_bf16_features_stay_within_cosine_0_999_of_fp32(string activation)
    {
        var folder = TinyClipCheckpoint.Create(ClipSpec.Tiny(activation), seed: 31).WriteClipFolder(_dir.Path);
        using var fp32 = ClipModel.FromPretrained(folder, TorchTarget.Cpu());
        using var bf16 = ClipModel.FromPretrained(folder, TorchTarget.Create(torch.CPU, ScalarType.BFloat16, Bf16Cpu));
        AssertClose(fp32, bf16, $"mixed bf16, {activation}");
    }

    [Fact]
    public void Uniform_bf16_as_on_cuda_also_stays_within_cosine_0_999_of_fp32()
    {
        var folder = TinyClipCheckpoint.Create(ClipSpec.Tiny(), seed: 32).WriteClipFolder(_dir.Path);
        using var fp32 = ClipModel.FromPretrained(folder, TorchTarget.Cpu());
        using var bf16 = new ClipModel(fp32.Config, torch.CPU, ScalarType.BFloat16);
        using (torch.no_grad())
        {
            var target = bf16.state_dict();
            foreach (var (name, tensor) in fp32.state_dict()) target[name].copy_(tensor);
        }
        AssertClose(fp32, bf16, "uniform bf16");
    }

    [Fact]
    public void Mixed_bf16_runs_only_the_encoder_layers_in_bf16()
    {
        var folder = TinyClipCheckpoint.Create(ClipSpec.Tiny(), seed: 33).WriteClipFolder(_dir.Path);
        using var model = ClipModel.FromPretrained(folder, TorchTarget.Create(torch.CPU, ScalarType.BFloat16, Bf16Cpu));

        Assert.Equal(ScalarType.Float32, model.DType);
        Assert.Equal(ScalarType.BFloat16, model.EncoderDType);
        foreach (var (name, tensor) in model.state_dict())
        {
            var inEncoder = name.Contains(".encoder.layers.", StringComparison.Ordinal);
            Assert.True((inEncoder ? ScalarType.BFloat16 : ScalarType.Float32) == tensor.dtype, $"{name} is {tensor.dtype}");
        }
        using var scope = torch.NewDisposeScope();
        var pixels = torch.tensor(TinyClipCheckpoint.RandomPixels(1, ClipSpec.Tiny().Vision, seed: 2), [1, 3, 20, 20]);
        Assert.Equal(ScalarType.Float32, model.GetImageFeatures(pixels).dtype); // post-layernorm and projection ran in fp32
        Assert.Equal(ScalarType.Float32, model.GetTextFeatures(torch.tensor(new long[] { 0, 5, 2 }, [1, 3])).dtype);
    }

    private void AssertClose(ClipModel fp32, ClipModel bf16, string what)
    {
        using var scope = torch.NewDisposeScope();
        var pixels = torch.tensor(TinyClipCheckpoint.RandomPixels(4, ClipSpec.Tiny().Vision, seed: 7), [4, 3, 20, 20]);
        Check(fp32.GetImageFeatures(pixels), bf16.GetImageFeatures(pixels), $"{what}, image");

        var length = Sequences.Max(s => s.Length);
        var ids = torch.tensor(Sequences.SelectMany(s => s.Concat(Enumerable.Repeat(1L, length - s.Length))).ToArray(), [Sequences.Length, length]);
        var mask = torch.tensor(Sequences.SelectMany(s => Enumerable.Repeat(1L, s.Length).Concat(Enumerable.Repeat(0L, length - s.Length))).ToArray(),
            [Sequences.Length, length]);
        Check(fp32.GetTextFeatures(ids, mask), bf16.GetTextFeatures(ids, mask), $"{what}, text");
    }

    private void Check(Tensor expected, Tensor actual, string what)
    {
        var a = expected.to(ScalarType.Float64);
        var b = actual.to(ScalarType.Float64);
        var cosine = nn.functional.cosine_similarity(a, b, 1).min().item<double>();
        var maxAbs = (a - b).abs().max().item<double>();
        output.WriteLine($"{what}: min cosine {cosine:F6}, max |diff| {maxAbs:E2}, max |fp32| {a.abs().max().item<double>():F3}");
        Assert.True(cosine >= MinCosine, $"{what}: cosine {cosine:F6} < {MinCosine}");
        Assert.True(maxAbs > 0, $"{what}: bf16 features equal fp32 exactly, so bf16 did not run");
    }
}
