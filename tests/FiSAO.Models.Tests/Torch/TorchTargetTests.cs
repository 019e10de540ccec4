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

    [Theory]
    [InlineData("fp16")]
    [InlineData("bf16")]
    public void Half_precision_on_cpu_is_rejected_with_a_hint(string dtype)
    {
        var e = Assert.Throws<ArgumentException>(() => TorchTarget.Parse("cpu", dtype));
        Assert.Contains("only supported on CUDA", e.Message);
        Assert.Contains("fp32", e.Message);
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
