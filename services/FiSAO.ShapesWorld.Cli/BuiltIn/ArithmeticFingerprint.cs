using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace FiSAO.ShapesWorld.Cli.BuiltIn;

/// <summary>
/// What decides the float arithmetic of a CPU build: the processor model and its vector extensions (libtorch picks its
/// kernels by them), the TorchSharp/libtorch release and the thread count. Two builds with equal fingerprints give equal
/// bytes; with different ones only scores close to each other (the rebuild test's tolerance).
/// </summary>
public sealed record ArithmeticFingerprint(string Cpu, string VectorExtensions, string TorchSharp, int Threads, string Architecture)
{
    public static ArithmeticFingerprint Current(int threads) => new(CpuModel(), Extensions(),
        typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "unknown", threads, RuntimeInformation.ProcessArchitecture.ToString());

    static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?[(line.IndexOf(':') + 1)..].Trim() ?? "unknown";
        }
        catch (IOException) { return "unknown"; }
        catch (UnauthorizedAccessException) { return "unknown"; }
    }

    static string Extensions()
    {
        var found = new List<string>();
        if (Avx512F.IsSupported) found.Add("avx512f");
        if (Avx512BW.IsSupported) found.Add("avx512bw");
        if (Avx512Vbmi.IsSupported) found.Add("avx512vbmi");
        if (Avx2.IsSupported) found.Add("avx2");
        if (Fma.IsSupported) found.Add("fma");
        if (Avx.IsSupported) found.Add("avx");
        return found.Count == 0 ? "none" : string.Join(' ', found);
    }
}
