using FiSAO.Rewards.Chair;
using FiSAO.Rewards.Entities;
using FiSAO.ShapesWorld.World;

namespace FiSAO.ShapesWorld.Tests;

public class VocabularyTests
{
    [Fact]
    public void The_world_has_enough_nouns_with_two_word_names_and_irregular_plurals()
    {
        var nouns = ShapesVocabulary.Nouns;
        Assert.True(nouns.Count >= 12);
        Assert.Equal(nouns.Count, nouns.Select(n => n.Name).Distinct().Count());
        Assert.Equal(nouns.Count, nouns.Select(n => n.Kind).Distinct().Count());
        Assert.Contains(nouns, n => n.WordCount == 2);
        var irregular = nouns.Where(n => n.HasIrregularPlural).Select(n => (n.Name, n.Plural)).ToList();
        Assert.Contains(("mouse", "mice"), irregular);
        Assert.Contains(("goose", "geese"), irregular);
        Assert.Contains(("leaf", "leaves"), irregular);
        Assert.Contains(("knife", "knives"), irregular);
        Assert.Equal("boxes", ShapesVocabulary.Get("box").Plural);
    }

    [Fact]
    public void The_entity_list_loads_with_EntitySet_Load_and_maps_every_form()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine(ShapesVocabulary.EntityFileName);
        ShapesVocabulary.WriteEntityList(path);
        var set = EntitySet.Load(path);

        Assert.Equal(ShapesVocabulary.Nouns.Select(n => n.Name).Order(StringComparer.Ordinal), set.Entities);
        Assert.Equal(2 * ShapesVocabulary.Nouns.Count, set.Counts.SurfaceForms);
        foreach (var noun in ShapesVocabulary.Nouns)
        {
            Assert.Equal(noun.Name, set.Canonicalize(noun.Name));
            Assert.Equal(noun.Name, set.Canonicalize(noun.Plural));
        }
        Assert.Equal("mouse", set.Lookup("Mice")!.Canonical);
        Assert.Equal("traffic cone", set.Lookup("traffic cones")!.Canonical);
        Assert.True(set.Counts.MultiWordSurfaceForms >= 2);
        // The same content whether the plurals come from the file or from the loader's inflector.
        var plain = EntitySet.Parse(new StringReader(string.Join("\n", ShapesVocabulary.Nouns.Select(n => n.Name))));
        Assert.Equal(plain.ContentHash, set.ContentHash);
    }

    [Fact]
    public void Chair_with_the_world_entity_set_flags_hallucinated_objects()
    {
        // A custom entity set has no COCO forms: CHAIR reads it with the whole set (Extended) and judges every entity.
        var chair = new ChairEvaluator(ShapesVocabulary.EntitySet, ChairMatching.Extended, ChairVocabulary.AllEntities);
        var result = chair.EvaluateCaption("Two mice, a red traffic cone and three geese.", ["mouse", "goose"]);
        Assert.Equal(3, result.EvaluatedMentions);
        Assert.Equal(1, result.HallucinatedMentions);
        Assert.Equal(["traffic cone"], result.HallucinatedObjects);
    }
}
