using FiSAO.Models.Torch;

namespace FiSAO.Models.Tests.Torch;

public class CpuFeaturesTests
{
    [Fact]
    public void Cpuid_bits_decode_to_the_named_features()
    {
        const uint amxBf16 = 1u << 22, avx512Fp16 = 1u << 23, avx512Bf16 = 1u << 5, amxFp16 = 1u << 21;

        Assert.Equal(new CpuFeatures(true, false, false, false), CpuFeatures.FromCpuid(0, avx512Bf16, avx512Usable: true));
        Assert.Equal(new CpuFeatures(false, true, false, false), CpuFeatures.FromCpuid(amxBf16, 0, avx512Usable: true));
        Assert.Equal(new CpuFeatures(false, false, true, true), CpuFeatures.FromCpuid(avx512Fp16, amxFp16, avx512Usable: true));
        Assert.Equal(CpuFeatures.None, CpuFeatures.FromCpuid(0, 0, avx512Usable: true));
    }

    [Fact]
    public void Avx512_bits_count_only_when_the_OS_saves_AVX512_state()
    {
        var cpu = CpuFeatures.FromCpuid(uint.MaxValue, uint.MaxValue, avx512Usable: false);
        Assert.False(cpu.Avx512Bf16);
        Assert.False(cpu.Avx512Fp16);
        Assert.True(cpu.AmxBf16);
        Assert.True(cpu.HasBf16MatrixProducts);
    }

    [Fact]
    public void Names_are_the_proc_cpuinfo_flags()
    {
        Assert.Equal("none", CpuFeatures.None.ToString());
        Assert.Equal("avx512_bf16, amx_bf16", new CpuFeatures(true, true, false, false).ToString());
    }

    /// <summary>CPUID as read here agrees with the kernel's view of the same processor.</summary>
    [Fact]
    public void Detection_agrees_with_proc_cpuinfo()
    {
        const string path = "/proc/cpuinfo";
        if (!File.Exists(path)) return; // not Linux: nothing to compare with
        var flagsLine = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
        if (flagsLine is null) return; // not x86 (ARM's cpuinfo says "Features")
        var flags = flagsLine[(flagsLine.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();

        var cpu = CpuFeatures.Current;
        Assert.Equal(flags.Contains("avx512_bf16"), cpu.Avx512Bf16);
        Assert.Equal(flags.Contains("amx_bf16"), cpu.AmxBf16);
        Assert.Equal(flags.Contains("avx512_fp16"), cpu.Avx512Fp16);
        Assert.Equal(flags.Contains("amx_fp16"), cpu.AmxFp16);
    }
}
