using FiSAO.Models.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Tests.Torch;

public class TorchTargetTests
{
    [Theory]
    [InlineData("fp32", ScalarType.Float32)]
    [InlineData("float32", ScalarType.Float32)]
    [InlineData("FP16", ScalarType.Float16)]
    [InlineData("float16", ScalarType.Float16)]
    [InlineData("bf16", ScalarType.BFloat16)]
    [InlineData(" bfloat16 ", ScalarType.BFloat16)]
    public void Parses_dtype_names(string text, ScalarType expected) => Assert.Equal(expected, TorchTarget.ParseDType(text));

    [Theory]
    [InlineData("cpu", DeviceType.CPU, -1)]
    [InlineData("CPU", DeviceType.CPU, -1)]
    [InlineData("cuda", DeviceType.CUDA, 0)]
    [InlineData("cuda:0", DeviceType.CUDA, 0)]
    [InlineData("cuda:3", DeviceType.CUDA, 3)]
    public void Parses_device_names(string text, DeviceType type, int index)
    {
        var device = TorchTarget.ParseDevice(text);
        Assert.Equal(type, device.type);
        Assert.Equal(index, device.index);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:x")]
    [InlineData("")]
    public void Rejects_unknown_devices_naming_them(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => TorchTarget.ParseDevice(text));
        Assert.Contains($"'{text}'", e.Message);
        Assert.Contains("cuda:N", e.Message);
    }

    [Theory]
    [InlineData("int8")]
    [InlineData("fp64")]
    [InlineData("f16")]
    public void Rejects_unknown_dtypes_naming_them(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => TorchTarget.ParseDType(text));
        Assert.Contains($"'{text}'", e.Message);
        Assert.Contains("bf16", e.Message);
    }

    [Fact]
    public void Cpu_fp32_is_accepted()
    {
        var target = TorchTarget.Parse("cpu", "float32");
        Assert.Equal(DeviceType.CPU, target.Device.type);
        Assert.Equal(ScalarType.Float32, target.DType);
        Assert.Equal("cpu/fp32", target.ToString());
    }

    private static readonly CpuFeatures Avx512Bf16Only = new(Avx512Bf16: true, AmxBf16: false, Avx512Fp16: false, AmxFp16: false);
    private static readonly CpuFeatures AmxOnly = new(Avx512Bf16: false, AmxBf16: true, Avx512Fp16: false, AmxFp16: false);

    [Fact]
    public void Cpu_bf16_is_accepted_with_AVX512_BF16_or_AMX()
    {
        foreach (var cpu in new[] { Avx512Bf16Only, AmxOnly })
        {
            var target = TorchTarget.Create(torch.CPU, ScalarType.BFloat16, cpu);
            Assert.Equal(ScalarType.BFloat16, target.DType);
            Assert.Equal("cpu/bf16", target.ToString());
        }
    }

    [Fact]
    public void Cpu_bf16_without_bf16_instructions_is_refused_saying_why()
    {
        var e = Assert.Throws<ArgumentException>(() => TorchTarget.Create(torch.CPU, ScalarType.BFloat16, CpuFeatures.None));
        Assert.Contains("AVX512_BF16", e.Message);
        Assert.Contains("slower than fp32", e.Message);
        Assert.Contains("Use fp32", e.Message);
    }

    [Fact]
    public void Cpu_fp16_is_refused_even_with_fp16_instructions()
    {
        var everything = new CpuFeatures(true, true, true, true);
        var e = Assert.Throws<ArgumentException>(() => TorchTarget.Create(torch.CPU, ScalarType.Float16, everything));
        Assert.Contains("fp16 is not supported on cpu", e.Message);
        Assert.Contains("bf16", e.Message);
    }

    [Fact]
    public void Parse_uses_this_machines_processor()
    {
        if (CpuFeatures.Current.HasBf16MatrixProducts)
            Assert.Equal(ScalarType.BFloat16, TorchTarget.Parse("cpu", "bf16").DType);
        else
            Assert.Contains("AVX512_BF16", Assert.Throws<ArgumentException>(() => TorchTarget.Parse("cpu", "bf16")).Message);
    }

    [Fact]
    public void Cuda_request_fails_clearly_when_cuda_is_missing_and_works_when_present()
    {
        if (torch.cuda.is_available())
        {
            var target = TorchTarget.Parse("cuda", "bf16");
            Assert.True(target.IsCuda);
            return;
        }
        var e = Assert.Throws<InvalidOperationException>(() => TorchTarget.Parse("cuda:0", "fp16"));
        Assert.Contains("CUDA is not available", e.Message);
        Assert.Contains("-p:TorchBackend=cuda", e.Message);
    }
}
