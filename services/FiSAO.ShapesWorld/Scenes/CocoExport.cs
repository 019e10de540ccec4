using FiSAO.Evaluation.Coco;
using FiSAO.ShapesWorld.World;

namespace FiSAO.ShapesWorld.Scenes;

/// <summary>
/// Writes shapes-world scenes as one split of a COCO-format folder, in COCO's own layout (<see cref="CocoDataset"/>):
/// <c>DIR/&lt;split&gt;/scene-00001.png</c> ..., <c>DIR/annotations/instances_&lt;split&gt;.json</c> (images; the world's 16
/// nouns as categories, ids 1..16 in vocabulary order; one instance per drawn object with the bounding box of its visible
/// pixels and their count as area) and <c>captions_&lt;split&gt;.json</c> (each scene's true caption). So the shapes world
/// runs through the same COCO reader, CHAIR and POPE as COCO itself. Deterministic for (split, count, seed, options).
/// </summary>
public static class CocoExport
{
    /// <summary>The shapes demo's three disjoint scene sets and their seeds: train = the PPO prompts (and the responses the
    /// verifier is calibrated on), val = validation (every choice of settings; the seed that earlier demo runs reported on),
    /// test = reported numbers only. The warm-up's captions come from a fourth stream (seed 7).</summary>
    public static readonly IReadOnlyDictionary<string, long> DefaultSeeds = new Dictionary<string, long>(StringComparer.Ordinal)
    {
        ["train"] = 777,
        ["val"] = 4242,
        ["test"] = 31415,
    };

    public static IReadOnlyList<CocoCategory> Categories { get; } =
        [.. ShapesVocabulary.Nouns.Select((n, i) => new CocoCategory(i + 1, n.Name, "shape"))];

    /// <returns>The dataset as the COCO reader will see it.</returns>
    public static CocoDataset Write(string directory, string split, int count, long seed, SceneOptions? options = null, IProgress<int>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (string.IsNullOrWhiteSpace(split) || split.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            throw new ArgumentException($"Split name '{split}' cannot be a folder name.", nameof(split));
        var folder = Directory.CreateDirectory(CocoDataset.ImageFolder(directory, split)).FullName;
        var generator = new SceneGenerator(seed, options);
        var digits = Math.Max(5, count.ToString().Length);
        var categoryIds = Categories.ToDictionary(c => c.Name, c => c.Id, StringComparer.Ordinal);
        var images = new List<CocoImage>(count);
        var annotations = new List<CocoAnnotation>();
        var captions = new List<CocoCaption>(count);
        const int chunk = 128;
        for (var done = 0; done < count; done += chunk)
        {
            var scenes = generator.Generate(done, Math.Min(chunk, count - done));
            Parallel.ForEach(scenes, scene => File.WriteAllBytes(Path.Combine(folder, scene.FileName(digits)), scene.ToPng()));
            foreach (var scene in scenes)
            {
                var image = new CocoImage(scene.Index + 1, scene.FileName(digits), scene.Width, scene.Height);
                images.Add(image);
                for (var k = 0; k < scene.Instances.Count; k++)
                {
                    var o = scene.Instances[k];
                    annotations.Add(new CocoAnnotation(annotations.Count + 1, image.Id, categoryIds[o.Noun.Name], VisibleBox(scene, k), o.VisiblePixels));
                }
                captions.Add(new CocoCaption(captions.Count + 1, image.Id, scene.Caption));
            }
            progress?.Report(done + scenes.Length);
        }
        CocoWriter.Write(directory, split, images, Categories, annotations, captions, $"FiSAO shapes world, split {split}, scene seed {seed}");
        return new CocoDataset(Path.GetFullPath(directory), split, images, Categories, annotations, captions);
    }

    /// <summary>COCO's <c>[x, y, width, height]</c> of the pixels object <paramref name="k"/> still shows.</summary>
    internal static double[] VisibleBox(Scene scene, int k)
    {
        int minX = int.MaxValue, minY = int.MaxValue, maxX = -1, maxY = -1;
        for (var y = 0; y < scene.Height; y++)
            for (var x = 0; x < scene.Width; x++)
                if (scene.Owner[y * scene.Width + x] == k)
                {
                    minX = Math.Min(minX, x); maxX = Math.Max(maxX, x);
                    minY = Math.Min(minY, y); maxY = Math.Max(maxY, y);
                }
        return maxX < 0 ? [0, 0, 0, 0] : [minX, minY, maxX - minX + 1, maxY - minY + 1];
    }
}
