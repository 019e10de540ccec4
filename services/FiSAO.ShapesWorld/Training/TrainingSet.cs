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
    {
        if (scenes.Count == 0) throw new ArgumentException("No scenes.", nameof(scenes));
        Count = scenes.Count;
        Height = scenes[0].Height;
        Width = scenes[0].Width;
        int plane = Height * Width;

        var pixels = new byte[Count * 3 * plane];
        var labels = new long[Count * (Width / patchSize) * (Height / patchSize)];
        int grid = (Width / patchSize) * (Height / patchSize);
        var presence = new bool[Count * ShapesVocabulary.Nouns.Count];
        Parallel.For(0, Count, i =>
        {
            var scene = scenes[i];
            if (scene.Width != Width || scene.Height != Height) throw new ArgumentException("Scenes differ in size.", nameof(scenes));
            var rgb = scene.Rgb;
            int offset = i * 3 * plane;
            for (int p = 0; p < plane; p++)
            {
                pixels[offset + p] = rgb[3 * p];
                pixels[offset + plane + p] = rgb[3 * p + 1];
                pixels[offset + 2 * plane + p] = rgb[3 * p + 2];
            }
            ShapesClipTrainer.PatchLabels(scene, patchSize, patchMinCoverage).CopyTo(labels, i * grid);
            for (int n = 0; n < ShapesVocabulary.Nouns.Count; n++)
                presence[i * ShapesVocabulary.Nouns.Count + n] = scene.Objects.ContainsKey(ShapesVocabulary.Nouns[n].Name);
        });
        Pixels = torch.tensor(pixels, [Count, 3, Height, Width]);
        PatchLabels = torch.tensor(labels, [Count, grid]);
        Presence = torch.tensor(presence, [Count, ShapesVocabulary.Nouns.Count]);

        var captions = tokenizer.EncodeBatch(scenes.Select(s => s.Caption).ToList());
        CaptionIds = torch.tensor(captions.InputIds, [captions.BatchSize, captions.SequenceLength]);
        CaptionMask = torch.tensor(captions.AttentionMask, [captions.BatchSize, captions.SequenceLength]);
        CaptionLengths = torch.tensor(captions.Lengths.Select(l => (long)l).ToArray(), [Count]);
    }

    public int Count { get; }
    public int Height { get; }
    public int Width { get; }

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
