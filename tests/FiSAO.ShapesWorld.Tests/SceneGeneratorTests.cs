using FiSAO.Rewards.Alignment;
using FiSAO.Rewards.Chair;
using FiSAO.ShapesWorld.Scenes;
using FiSAO.ShapesWorld.World;

namespace FiSAO.ShapesWorld.Tests;

public class SceneGeneratorTests
{
    [Fact]
    public void The_same_seed_gives_identical_pngs_and_jsonl_lines_and_another_seed_does_not()
    {
        var a = new SceneGenerator(11).Generate(0, 8);
        var b = new SceneGenerator(11).Generate(0, 8);
        var c = new SceneGenerator(12).Generate(0, 8);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(a[i].ToPng(), b[i].ToPng());
            Assert.Equal(SceneDatasetWriter.ToJsonLine(a[i]), SceneDatasetWriter.ToJsonLine(b[i]));
        }
        Assert.NotEqual(a.Select(s => s.Caption), c.Select(s => s.Caption));
    }

    [Fact]
    public void A_scene_rendered_alone_equals_the_same_scene_rendered_in_a_batch()
    {
        var batch = new SceneGenerator(5).Generate(0, 6);
        Assert.Equal(batch[4].ToPng(), new SceneGenerator(5).Generate(4).ToPng());
    }

    [Fact]
    public void Captions_name_exactly_the_ground_truth_objects_through_the_worlds_entity_set()
    {
        var finder = new MentionFinder(ShapesVocabulary.EntitySet);
        var chair = new ChairEvaluator(ShapesVocabulary.EntitySet, ChairMatching.Extended, ChairVocabulary.AllEntities);
        foreach (var scene in new SceneGenerator(21).Generate(0, 200))
        {
            var named = finder.FindInText(scene.Caption).Mentions.Select(m => m.Canonical).ToHashSet();
            Assert.True(named.SetEquals(scene.Objects.Keys), $"'{scene.Caption}' names {string.Join(",", named)} for {string.Join(",", scene.Objects.Keys)}");
        }
        var scores = chair.Evaluate(new SceneGenerator(21).Generate(0, 50).Select(s => (s.Caption, (IEnumerable<string>)s.Objects.Keys)));
        Assert.Equal(0, scores.ChairI);
        Assert.Equal(1, scores.Recall);
    }

    [Fact]
    public void The_vocabulary_has_at_least_12_nouns_a_two_word_name_and_irregular_plurals()
    {
        Assert.True(ShapesVocabulary.Nouns.Count >= 12);
        Assert.Contains(ShapesVocabulary.Nouns, n => n.Name.Contains(' '));
        var forms = ShapesVocabulary.SurfaceForms.Select(f => f.Surface).ToHashSet();
        Assert.Contains("geese", forms);
        Assert.Contains("knives", forms);
        Assert.Contains("leaves", forms);
    }

    [Fact]
    public void The_written_dataset_has_one_jsonl_line_per_png_and_the_entity_list()
    {
        var dir = Path.Combine(Path.GetTempPath(), "fisao-shapes-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            SceneDatasetWriter.Write(dir, seed: 3, count: 5);
            var lines = File.ReadAllLines(Path.Combine(dir, SceneDatasetWriter.JsonlFileName));
            Assert.Equal(5, lines.Length);
            Assert.Equal(5, Directory.GetFiles(dir, "scene-*.png").Length);
            Assert.True(File.Exists(Path.Combine(dir, ShapesVocabulary.EntityFileName)));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
