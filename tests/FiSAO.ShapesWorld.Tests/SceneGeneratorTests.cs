using System.Text.Json;
using FiSAO.ShapesWorld.Rendering;
using FiSAO.ShapesWorld.Scenes;
using FiSAO.ShapesWorld.World;

namespace FiSAO.ShapesWorld.Tests;

public class SceneGeneratorTests
{
    private static readonly Lazy<Scene[]> Sample = new(() => new SceneGenerator(seed: 11).Generate(0, 300));

    [Fact]
    public void Same_seed_writes_identical_png_bytes_and_jsonl()
    {
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        SceneDatasetWriter.Write(a.Path, seed: 5, count: 12);
        SceneDatasetWriter.Write(b.Path, seed: 5, count: 12);

        var files = Directory.GetFiles(a.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Directory.GetFiles(b.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal), files);
        Assert.Contains("scene-00001.png", files);
        Assert.Contains("scene-00012.png", files);
        Assert.Contains(SceneDatasetWriter.JsonlFileName, files);
        Assert.Contains(ShapesVocabulary.EntityFileName, files);
        foreach (var name in files)
            Assert.True(File.ReadAllBytes(Path.Combine(a.Path, name!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(b.Path, name!))),
                $"{name} differs between two runs with the same seed");
    }

    [Fact]
    public void Different_seeds_give_different_scenes()
    {
        var a = new SceneGenerator(1).Generate(0);
        var b = new SceneGenerator(2).Generate(0);
        Assert.False(a.Rgb.AsSpan().SequenceEqual(b.Rgb));
    }

    [Fact]
    public void A_scene_depends_only_on_seed_and_index()
    {
        var batch = new SceneGenerator(3).Generate(0, 8);
        var single = new SceneGenerator(3).Generate(5);
        Assert.True(batch[5].Rgb.AsSpan().SequenceEqual(single.Rgb));
        Assert.Equal(batch[5].Caption, single.Caption);
        Assert.Equal(single.Rgb, new SceneGenerator(3).Generate(2, 4)[3].Rgb);
    }

    [Fact]
    public void Jsonl_lines_name_the_png_the_objects_and_the_caption()
    {
        using var dir = new TempDirectory();
        var path = SceneDatasetWriter.Write(dir.Path, seed: 9, count: 20);
        var scenes = new SceneGenerator(9).Generate(0, 20);
        var lines = File.ReadAllLines(path);
        Assert.Equal(20, lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            using var doc = JsonDocument.Parse(lines[i]);
            var root = doc.RootElement;
            var image = root.GetProperty("image").GetString()!;
            Assert.Equal($"scene-{i + 1:00000}.png", image);
            var png = File.ReadAllBytes(Path.Combine(dir.Path, image));
            var rgb = ScenePng.DecodeRgb(png, out int w, out int h);
            Assert.Equal((96, 96), (w, h));
            Assert.True(rgb.AsSpan().SequenceEqual(scenes[i].Rgb), "the PNG holds exactly the scene's pixels");
            var objects = root.GetProperty("objects").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
            Assert.Equal(scenes[i].Objects, objects);
            Assert.Equal(scenes[i].Caption, root.GetProperty("caption").GetString());
            Assert.Equal(scenes[i].Instances.Count, root.GetProperty("instances").GetArrayLength());
        }
    }

    [Fact]
    public void Scenes_have_one_to_four_objects_up_to_three_of_a_kind()
    {
        foreach (var scene in Sample.Value)
        {
            Assert.InRange(scene.Instances.Count, 1, 4);
            Assert.Equal(scene.Instances.Count, scene.Objects.Values.Sum());
            Assert.All(scene.Objects.Values, n => Assert.InRange(n, 1, 3));
        }
        // The generator uses the whole range and the whole vocabulary.
        Assert.Equal([1, 2, 3, 4], Sample.Value.Select(s => s.Instances.Count).Distinct().Order());
        Assert.Equal(ShapesVocabulary.Nouns.Count, Sample.Value.SelectMany(s => s.Objects.Keys).Distinct().Count());
        Assert.Contains(Sample.Value, s => s.Objects.Values.Any(n => n > 1));
    }

    [Fact]
    public void Every_object_stays_visible_and_the_ground_truth_matches_the_drawn_pixels()
    {
        var options = new SceneOptions();
        int overlapping = 0;
        foreach (var scene in Sample.Value)
        {
            var shown = new int[scene.Instances.Count];
            foreach (int owner in scene.Owner)
                if (owner >= 0) shown[owner]++;
            for (int i = 0; i < scene.Instances.Count; i++)
            {
                var o = scene.Instances[i];
                Assert.Equal(o.VisiblePixels, shown[i]);
                Assert.True(o.VisibleFraction >= options.MinVisibleFraction,
                    $"scene {scene.Index}: {o.Noun} keeps only {o.VisibleFraction:P0} of its pixels visible");
                Assert.True(o.VisiblePixels >= 40, $"scene {scene.Index}: {o.Noun} shows only {o.VisiblePixels} px");
                if (o.VisiblePixels < o.Area) overlapping++;
                AssertPixelsShowTheObject(scene, i);
            }
        }
        Assert.True(overlapping > 10, "some objects overlap");
    }

    /// <summary>The pixels an object owns are its body or detail colour (up to shading and noise), not something else.</summary>
    private static void AssertPixelsShowTheObject(Scene scene, int index)
    {
        var o = scene.Instances[index];
        var detail = SceneGenerator.DetailColor(o.Color, o.Noun.Kind);
        int owned = 0, matching = 0;
        for (int p = 0; p < scene.Owner.Length; p++)
        {
            if (scene.Owner[p] != index) continue;
            owned++;
            double r = scene.Rgb[3 * p], g = scene.Rgb[3 * p + 1], b = scene.Rgb[3 * p + 2];
            double toBody = o.Color.DistanceTo(r, g, b);
            double toDetail = Math.Sqrt((detail.R - r) * (detail.R - r) + (detail.G - g) * (detail.G - g) + (detail.B - b) * (detail.B - b));
            if (Math.Min(toBody, toDetail) < 80) matching++;
        }
        Assert.True(matching >= 0.7 * owned, // the rest: anti-aliased edge pixels
            $"scene {scene.Index}: only {matching} of {owned} pixels of the {o.Color} {o.Noun} have its colours");
    }

    [Fact]
    public void Every_noun_is_a_distinct_drawable_shape()
    {
        var icons = ShapesVocabulary.Nouns.Select(n => SceneGenerator.RenderIcon(n.Kind, ShapesVocabulary.Colors[0], 64)).ToList();
        for (int i = 0; i < icons.Count; i++)
        {
            Assert.True(icons[i].Mask.Count(m => m) > 300, $"{ShapesVocabulary.Nouns[i]} is too small to see");
            for (int j = i + 1; j < icons.Count; j++)
            {
                // Share of the pixels either icon covers where the two look different (silhouette or detail part).
                int union = 0, different = 0;
                for (int p = 0; p < icons[i].Mask.Length; p++)
                {
                    if (!icons[i].Mask[p] && !icons[j].Mask[p]) continue;
                    union++;
                    int d = Math.Abs(icons[i].Rgb[3 * p] - icons[j].Rgb[3 * p]) + Math.Abs(icons[i].Rgb[3 * p + 1] - icons[j].Rgb[3 * p + 1])
                            + Math.Abs(icons[i].Rgb[3 * p + 2] - icons[j].Rgb[3 * p + 2]);
                    if (d > 60) different++;
                }
                Assert.True(different >= 0.25 * union,
                    $"{ShapesVocabulary.Nouns[i]} and {ShapesVocabulary.Nouns[j]} look alike ({(double)different / union:P0} of their pixels differ)");
            }
        }
    }

    [Fact]
    public void Shapes_fit_in_their_extent()
    {
        foreach (var noun in ShapesVocabulary.Nouns)
            for (double y = -1.5; y <= 1.5; y += 0.02)
                for (double x = -1.5; x <= 1.5; x += 0.02)
                    if (ShapeGeometry.Sample(noun.Kind, x, y) != ShapePart.Outside)
                        Assert.True(Math.Sqrt(x * x + y * y) <= ShapeGeometry.ExtentRadius, $"{noun} reaches ({x:F2}, {y:F2})");
    }
}
