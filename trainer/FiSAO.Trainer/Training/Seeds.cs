namespace FiSAO.Trainer.Training;

/// <summary>
/// Seeds derived from (run seed, step, ...) with SplitMix64, so that every random choice of a step is a pure function of
/// where the run is. (HashCode.Combine would not do: it is randomised per process, and a resumed run is another process.)
/// </summary>
public static class Seeds
{
    public static long Derive(params long[] parts)
    {
        var h = 0x9E3779B97F4A7C15UL;
        foreach (var p in parts) h = SplitMix(h ^ (ulong)p);
        return (long)(h & 0x7FFF_FFFF_FFFF_FFFFUL);
    }

    public static int DeriveInt(params long[] parts) => (int)(Derive(parts) & 0x7FFF_FFFF);

    private static ulong SplitMix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
