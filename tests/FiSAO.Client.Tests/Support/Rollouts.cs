using FiSAO.Verifier.Tests.Support;

namespace FiSAO.Client.Tests.Support;

/// <summary>Rollout-like batches: several responses per image, each naming a known object, of varying length so an
/// answer put at the wrong index shows.</summary>
public static class Rollouts
{
    static readonly string[] Objects = ["dog", "cat", "horse", "bird", "car", "chair", "pizza"];

    /// <summary><paramref name="images"/> distinct PNGs; item i uses image i % images (the same array each time).</summary>
    public static List<ScoreItem> Batch(int items, int images, int seed = 0, int width = 48, int height = 40)
    {
        var pngs = Enumerable.Range(0, images).Select(i => TestImages.Png(seed + i, width, height)).ToArray();
        return Enumerable.Range(0, items).Select(i => new ScoreItem(pngs[i % images], Tokens(i))).ToList();
    }

    /// <summary>SentencePiece tokens of "a big big … &lt;object&gt; here": (i % 5) + 3 tokens, the object's at index (i % 5) + 1.</summary>
    public static string[] Tokens(int i) =>
        ["▁a", .. Enumerable.Repeat("▁big", i % 5), "▁" + ObjectOf(i), "▁here"];

    public static string ObjectOf(int i) => Objects[i % Objects.Length];
}
