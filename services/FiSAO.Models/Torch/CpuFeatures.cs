using System.Runtime.Intrinsics.X86;

namespace FiSAO.Models.Torch;

/// <summary>
/// The processor's half-precision matrix instructions, read from CPUID: AVX512_BF16 and AMX-BF16 make bf16 matrix
/// products about twice as fast as fp32 on CPU (libtorch runs them through oneDNN); without them oneDNN emulates bf16
/// and it is slower than fp32. AVX512_FP16 / AMX-FP16 are reported for completeness.
/// </summary>
public sealed record CpuFeatures(bool Avx512Bf16, bool AmxBf16, bool Avx512Fp16, bool AmxFp16)
{
    /// <summary>None of the half-precision instructions (non-x86 processors, old x86 ones).</summary>
    public static CpuFeatures None { get; } = new(false, false, false, false);

    /// <summary>This machine's processor (CPUID, read once).</summary>
    public static CpuFeatures Current { get; } = Detect();

    /// <summary>bf16 matrix products run in hardware (AVX512_BF16 or AMX-BF16).</summary>
    public bool HasBf16MatrixProducts => Avx512Bf16 || AmxBf16;

    /// <summary>Decodes CPUID leaf 7: sub-leaf 0 EDX (bit 22 AMX-BF16, 23 AVX512_FP16) and sub-leaf 1 EAX (bit 5 AVX512_BF16, 21 AMX-FP16).</summary>
    /// <param name="avx512Usable">Whether the OS saves AVX-512 state (XCR0); the AVX-512 bits mean nothing without it.</param>
    public static CpuFeatures FromCpuid(uint leaf7Edx, uint leaf7Sub1Eax, bool avx512Usable) => new(
        Avx512Bf16: avx512Usable && Bit(leaf7Sub1Eax, 5),
        AmxBf16: Bit(leaf7Edx, 22),
        Avx512Fp16: avx512Usable && Bit(leaf7Edx, 23),
        AmxFp16: Bit(leaf7Sub1Eax, 21));

    /// <summary>The flag names /proc/cpuinfo uses for the features present, e.g. "avx512_bf16"; "none" when there are none.</summary>
    public override string ToString()
    {
        var names = new[] { (Avx512Bf16, "avx512_bf16"), (AmxBf16, "amx_bf16"), (Avx512Fp16, "avx512_fp16"), (AmxFp16, "amx_fp16") }
            .Where(f => f.Item1).Select(f => f.Item2).ToList();
        return names.Count == 0 ? "none" : string.Join(", ", names);
    }

    private static CpuFeatures Detect()
    {
        if (!X86Base.IsSupported || X86Base.CpuId(0, 0).Eax < 7) return None;
        var (_, _, _, edx) = X86Base.CpuId(7, 0);
        var (sub1Eax, _, _, _) = X86Base.CpuId(7, 1);
        return FromCpuid((uint)edx, (uint)sub1Eax, Avx512F.IsSupported);
    }

    private static bool Bit(uint register, int bit) => (register & (1u << bit)) != 0;
}
