using System.Text.RegularExpressions;
using FiSAO.Rewards.Alignment;
using FiSAO.ShapesWorld.Scenes;
using FiSAO.ShapesWorld.World;

namespace FiSAO.ShapesWorld.Tests;

public class CaptionTests
{
    private static readonly Lazy<Scene[]> Sample = new(() => new SceneGenerator(seed: 21).Generate(0, 400));
    private static readonly MentionFinder Finder = new(ShapesVocabulary.EntitySet);
    private static readonly string[] NumberWords = ["", "one", "two", "three", "four"];

    [Fact]
    public void Captions_mention_exactly_the_ground_truth_objects_once_each_in_the_right_number()
    {
        foreach (var scene in Sample.Value)
        {
            var mentions = Finder.FindInText(scene.Caption).Mentions;
            Assert.Equal(scene.Objects.Keys.Order(StringComparer.Ordinal), mentions.Select(m => m.Canonical).Order(StringComparer.Ordinal));
            foreach (var m in mentions)
            {
                int count = scene.Objects[m.Canonical];
                var noun = ShapesVocabulary.Get(m.Canonical);
                Assert.Equal(noun.FormFor(count), m.Surface);
                AssertCountWord(scene.Caption, m.CharStart, count);
            }
        }
    }

    [Fact]
    public void Irregular_plurals_and_two_word_names_appear_in_captions()
    {
        var text = string.Join(" ", Sample.Value.Select(s => s.Caption.ToLowerInvariant()));
        foreach (var form in new[] { "mice", "geese", "leaves", "knives", "traffic cone", "paper planes" })
            Assert.Contains(form, text);
        Assert.DoesNotContain("mouses", text);
        Assert.DoesNotContain("gooses", text);
        Assert.DoesNotContain("leafs", text);
        Assert.DoesNotContain("knifes", text);
    }

    [Fact]
    public void Articles_and_verbs_agree()
    {
        foreach (var scene in Sample.Value)
        {
            var c = scene.Caption;
            Assert.DoesNotMatch(new Regex(@"\b[Aa] [aeiou]"), c);
            Assert.DoesNotMatch(new Regex(@"\b[Aa]n [^aeiou]"), c);
            Assert.DoesNotMatch(new Regex(@"\bis (two|three|four)\b"), c);
            Assert.DoesNotMatch(new Regex(@"\bare (a|an|one) "), c);
            Assert.True(char.IsUpper(c[0]), c);
            Assert.EndsWith(".", c);
        }
        Assert.True(Sample.Value.Select(s => Regex.Replace(s.Caption, "[a-z]+ (and|,)", "")).Distinct().Count() > 100, "templates vary");
    }

    [Fact]
    public void Captions_name_colours_only_when_true()
    {
        var colorNames = ShapesVocabulary.Colors.Select(c => c.Name).ToHashSet();
        foreach (var scene in Sample.Value)
        {
            var words = Regex.Split(scene.Caption.ToLowerInvariant(), "[^a-z]+");
            foreach (var m in Finder.FindInText(scene.Caption).Mentions)
            {
                var before = Regex.Split(scene.Caption[..m.CharStart].ToLowerInvariant(), "[^a-z]+").Where(w => w.Length > 0).LastOrDefault();
                if (before is not null && colorNames.Contains(before))
                    Assert.All(scene.Instances.Where(o => o.Noun.Name == m.Canonical), o => Assert.Equal(before, o.Color.Name));
            }
        }
    }

    [Fact]
    public void Hallucinated_captions_add_absent_objects_to_the_ground_truth()
    {
        foreach (var scene in Sample.Value.Take(150))
        {
            var sample = CaptionWriter.WithHallucinations(scene, 2, SceneRandom.For(99, scene.Index));
            var mentions = Finder.FindInText(sample.Text).Mentions;
            Assert.Equal(sample.Mentions.Select(m => m.Noun.Name), mentions.Select(m => m.Canonical));
            var invented = sample.Mentions.Where(m => m.Hallucinated).ToList();
            Assert.Equal(2, invented.Count);
            Assert.All(invented, m => Assert.False(scene.Objects.ContainsKey(m.Noun.Name)));
            Assert.Equal(scene.Objects.Keys.Order(), sample.Mentions.Where(m => !m.Hallucinated).Select(m => m.Noun.Name).Order());
            Assert.All(sample.Mentions, m => Assert.Equal(m.Noun.FormFor(m.Count), m.Surface));
        }
    }

    [Fact]
    public void An_object_inserted_after_another_follows_it_and_is_the_only_hallucination()
    {
        var checkedScenes = 0;
        foreach (var scene in Sample.Value.Take(200))
        {
            var anchor = scene.Instances[0].Noun;
            var absent = ShapesVocabulary.Nouns.First(n => !scene.Objects.ContainsKey(n.Name));
            var sample = CaptionWriter.WithObjectAfter(scene, absent, anchor, SceneRandom.For(5, scene.Index));
            var canonical = Finder.FindInText(sample.Text).Mentions.Select(m => m.Canonical).ToList();
            Assert.Equal(sample.Mentions.Select(m => m.Noun.Name), canonical);
            Assert.Equal(canonical.IndexOf(anchor.Name) + 1, canonical.IndexOf(absent.Name));
            Assert.Equal([absent.Name], sample.Mentions.Where(m => m.Hallucinated).Select(m => m.Noun.Name));
            Assert.Equal(scene.Objects.Keys.Order(), sample.Mentions.Where(m => !m.Hallucinated).Select(m => m.Noun.Name).Order());
            checkedScenes++;
        }
        Assert.Equal(200, checkedScenes);
        var first = Sample.Value[0];
        Assert.Throws<ArgumentException>(() => CaptionWriter.WithObjectAfter(first, first.Instances[0].Noun, first.Instances[0].Noun, SceneRandom.For(5, 0)));
    }

    /// <summary>The words before a mention state its count: a/an/one for 1, the number word otherwise (a colour may sit between).</summary>
    private static void AssertCountWord(string caption, int mentionStart, int count)
    {
        var words = Regex.Split(caption[..mentionStart].ToLowerInvariant(), "[^a-z]+").Where(w => w.Length > 0).ToList();
        var colorNames = ShapesVocabulary.Colors.Select(c => c.Name).ToHashSet();
        if (words.Count > 0 && colorNames.Contains(words[^1])) words.RemoveAt(words.Count - 1);
        Assert.NotEmpty(words);
        if (count == 1) Assert.Contains(words[^1], new[] { "a", "an", "one" });
        else Assert.Equal(NumberWords[count], words[^1]);
    }
}
