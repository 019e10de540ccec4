using FiSAO.Models.Clip;
using FiSAO.ShapesWorld.Scenes;
using FiSAO.ShapesWorld.World;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.ShapesWorld.Training;

/// <summary>
/// Training scenes prepared once as tensors, so that a step only gathers rows: 8-bit pixels [N, 3, H, W], caption ids
/// [N, L] (padded, with lengths), object presence [N, 16], and per-patch object labels [N, G*G] (-1 = no object).
/// </summary>
public sealed class TrainingSet : IDisposable
{
    public TrainingSet(IReadOnlyList<Scene> scenes, ClipTokenizer tokenizer, int patchSize, double patchMinCoverage)
        : this(scenes.Count, (start, n) => scenes.Skip(start).Take(n).ToList(), tokenizer, patchSize, patchMinCoverage)
    {
    }

    /// <summary>
    /// Scenes 0 .. count-1 of <paramref name="generator"/>, generated chunk by chunk: only the tensors stay in memory (about
    /// 28 KB a scene at 96 px), not the scenes with their ownership maps (about 3 times that).
    /// </summary>
    public static TrainingSet Generate(SceneGenerator generator, int count, ClipTokenizer tokenizer, int patchSize, double patchMinCoverage) =>
        new(count, (start, n) => generator.Generate(start, n), tokenizer, patchSize, patchMinCoverage);

    private const int Chunk = 2048;

    private TrainingSet(int count, Func<int, int, IReadOnlyList<Scene>> scenesAt, ClipTokenizer tokenizer, int patchSize, double patchMinCoverage)
    {
        if (count == 0) throw new ArgumentException("No scenes.", nameof(count));
        Count = count;
        byte[]? pixels = null;
        long[]? labels = null;
        var presence = new bool[Count * ShapesVocabulary.Nouns.Count];
        var captionTexts = new string[Count];
        int plane = 0, grid = 0;
        for (int start = 0; start < Count; start += Chunk)
        {
            var scenes = scenesAt(start, Math.Min(Chunk, Count - start));
            if (pixels is null)
            {
                Height = scenes[0].Height;
                Width = scenes[0].Width;
                plane = Height * Width;
                grid = (Width / patchSize) * (Height / patchSize);
                pixels = new byte[(long)Count * 3 * plane];
                labels = new long[(long)Count * grid];
            }
            Parallel.For(0, scenes.Count, j =>
            {
                var scene = scenes[j];
                int i = start + j;
                if (scene.Width != Width || scene.Height != Height) throw new ArgumentException("Scenes differ in size.");
                var rgb = scene.Rgb;
                long offset = (long)i * 3 * plane;
                for (int p = 0; p < plane; p++)
                {
                    pixels[offset + p] = rgb[3 * p];
                    pixels[offset + plane + p] = rgb[3 * p + 1];
                    pixels[offset + 2 * plane + p] = rgb[3 * p + 2];
                }
                ShapesClipTrainer.PatchLabels(scene, patchSize, patchMinCoverage).CopyTo(labels!, (long)i * grid);
                for (int n = 0; n < ShapesVocabulary.Nouns.Count; n++)
                    presence[i * ShapesVocabulary.Nouns.Count + n] = scene.Objects.ContainsKey(ShapesVocabulary.Nouns[n].Name);
                captionTexts[i] = scene.Caption;
            });
        }
        Pixels = torch.tensor(pixels!, [Count, 3, Height, Width]);
        PatchLabels = torch.tensor(labels!, [Count, grid]);
        Presence = torch.tensor(presence, [Count, ShapesVocabulary.Nouns.Count]);

        var captions = tokenizer.EncodeBatch(captionTexts);
        CaptionIds = torch.tensor(captions.InputIds, [captions.BatchSize, captions.SequenceLength]);
        CaptionMask = torch.tensor(captions.AttentionMask, [captions.BatchSize, captions.SequenceLength]);
        CaptionLengths = torch.tensor(captions.Lengths.Select(l => (long)l).ToArray(), [Count]);
    }

    public int Count { get; }
    public int Height { get; private set; }
    public int Width { get; private set; }

    /// <summary>uint8 [N, 3, H, W].</summary>
    public Tensor Pixels { get; }

    /// <summary>int64 [N, L], padded with the tokenizer's pad id.</summary>
    public Tensor CaptionIds { get; }

    /// <summary>int64 [N, L], 1 = token.</summary>
    public Tensor CaptionMask { get; }

    public Tensor CaptionLengths { get; }

    /// <summary>bool [N, nouns].</summary>
    public Tensor Presence { get; }

    /// <summary>int64 [N, grid*grid], noun index or -1.</summary>
    public Tensor PatchLabels { get; }

    public void Dispose()
    {
        Pixels.Dispose();
        CaptionIds.Dispose();
        CaptionMask.Dispose();
        CaptionLengths.Dispose();
        Presence.Dispose();
        PatchLabels.Dispose();
    }
}
