using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Torch;

/// <summary>
/// Where and in which precision a model runs, chosen at run time from strings such as
/// <c>("cuda:1", "bf16")</c>. Validates the combination up front so a bad flag fails before any weights load.
/// </summary>
public sealed class TorchTarget
{
    private TorchTarget(Device device, ScalarType dtype)
    {
        Device = device;
        DType = dtype;
    }

    public Device Device { get; }

    public ScalarType DType { get; }

    public bool IsCuda => Device.type == DeviceType.CUDA;

    /// <summary>CPU, fp32.</summary>
    public static TorchTarget Cpu() => new(torch.CPU, ScalarType.Float32);

    /// <summary>Parses a device (<c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>) and a dtype (<c>fp32|fp16|bf16</c>, <c>float32|float16|bfloat16</c>).</summary>
    public static TorchTarget Parse(string device, string dtype) => Create(ParseDevice(device), ParseDType(dtype));

    /// <inheritdoc cref="Create(Device, ScalarType, CpuFeatures)"/>
    public static TorchTarget Create(Device device, ScalarType dtype) => Create(device, dtype, CpuFeatures.Current);

    /// <summary>
    /// Validates a device/dtype pair. CUDA: any of the three, when this build and machine have CUDA. CPU: fp32, and bf16
    /// when the processor has bf16 matrix instructions (<paramref name="cpu"/>); fp16 never (measured slower than fp32).
    /// </summary>
    public static TorchTarget Create(Device device, ScalarType dtype, CpuFeatures cpu)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(cpu);
        if (dtype is not (ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16))
            throw new ArgumentException($"Unsupported dtype {dtype}; use fp32, fp16 or bf16.", nameof(dtype));

        switch (device.type)
        {
            case DeviceType.CPU:
                CheckCpuDType(dtype, cpu);
                return new TorchTarget(torch.CPU, dtype);

            case DeviceType.CUDA:
                EnsureCudaAvailable(device);
                return new TorchTarget(device, dtype);

            default:
                throw new ArgumentException($"Unsupported device '{device}'; use cpu, cuda or cuda:N.", nameof(device));
        }
    }

    /// <summary>The measurements behind these rules are in docs/architecture.md ("Precision on CPU").</summary>
    private static void CheckCpuDType(ScalarType dtype, CpuFeatures cpu)
    {
        if (dtype == ScalarType.Float16)
            throw new ArgumentException(
                "dtype fp16 is not supported on cpu: libtorch has no fast fp16 matrix products on CPU (measured at 0.4x the " +
                "speed of fp32); use bf16 where the processor has AVX512_BF16 or AMX, else fp32.", nameof(dtype));
        if (dtype == ScalarType.BFloat16 && !cpu.HasBf16MatrixProducts)
            throw new ArgumentException(
                $"dtype bf16 on cpu needs a processor with AVX512_BF16 or AMX-BF16 instructions; this one has neither " +
                $"(half-precision features: {cpu}), so bf16 would be emulated and slower than fp32. Use fp32.", nameof(dtype));
    }

    public static Device ParseDevice(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text.Trim().ToLowerInvariant();
        if (s == "cpu") return torch.CPU;
        if (s == "cuda") return new Device(DeviceType.CUDA, 0);
        if (s.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(s.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            return new Device(DeviceType.CUDA, index);
        throw new ArgumentException($"Unknown device '{text}'; expected cpu, cuda or cuda:N (N = 0, 1, ...).", nameof(text));
    }

    public static ScalarType ParseDType(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Trim().ToLowerInvariant() switch
        {
            "fp32" or "float32" or "float" => ScalarType.Float32,
            "fp16" or "float16" or "half" => ScalarType.Float16,
            "bf16" or "bfloat16" => ScalarType.BFloat16,
            _ => throw new ArgumentException($"Unknown dtype '{text}'; expected fp32, fp16 or bf16 (or float32, float16, bfloat16).", nameof(text)),
        };
    }

    public static string Name(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "fp32",
        ScalarType.Float16 => "fp16",
        ScalarType.BFloat16 => "bf16",
        _ => dtype.ToString(),
    };

    public override string ToString() => $"{Device}/{Name(DType)}";

    private static void EnsureCudaAvailable(Device device)
    {
        if (!torch.cuda.is_available())
            throw new InvalidOperationException(
                $"Device '{device}' was requested but CUDA is not available. This build bundles the CPU-only libtorch " +
                "unless it was built with -p:TorchBackend=cuda (and the machine needs an NVIDIA GPU and driver).");
        var count = torch.cuda.device_count();
        if (device.index >= count)
            throw new InvalidOperationException($"Device '{device}' was requested but only {count} CUDA device(s) are visible.");
    }
}
