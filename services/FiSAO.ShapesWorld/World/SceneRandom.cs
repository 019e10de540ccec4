namespace FiSAO.ShapesWorld.World;

/// <summary>
/// A small deterministic PRNG (SplitMix64): identical sequences on every platform and .NET version, cheap to seed per
/// scene so that scene <c>i</c> of seed <c>s</c> does not depend on how many scenes are generated.
/// </summary>
public sealed class SceneRandom
{
    private ulong _state;

    public SceneRandom(ulong seed) => _state = seed;

    /// <summary>The generator of one item (scene, caption, …) of a seeded stream.</summary>
    public static SceneRandom For(long seed, long index, ulong stream = 0)
    {
        ulong s = Mix((ulong)seed ^ 0x5EED_5EED_5EED_5EEDUL);
        s = Mix(s ^ ((ulong)index * 0x9E37_79B9_7F4A_7C15UL));
        return new SceneRandom(Mix(s ^ (stream * 0xD1B5_4A32_D192_ED03UL)));
    }

    public ulong NextULong()
    {
        _state += 0x9E37_79B9_7F4A_7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [min, max).</summary>
    public double Uniform(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>Uniform integer in [0, maxExclusive).</summary>
    public int Next(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive));
        return (int)((NextULong() >> 33) % (ulong)maxExclusive);
    }

    /// <summary>Uniform integer in [min, maxExclusive).</summary>
    public int Next(int min, int maxExclusive) => min + Next(maxExclusive - min);

    public bool Chance(double p) => NextDouble() < p;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    /// <summary>Index drawn with the given (non-negative) weights.</summary>
    public int PickWeighted(IReadOnlyList<double> weights)
    {
        double total = weights.Sum(), x = NextDouble() * total;
        for (int i = 0; i < weights.Count; i++)
        {
            x -= weights[i];
            if (x < 0) return i;
        }
        return weights.Count - 1;
    }

    public void Shuffle<T>(IList<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }
}
