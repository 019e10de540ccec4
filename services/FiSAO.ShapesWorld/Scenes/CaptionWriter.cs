using System.Text;
using FiSAO.ShapesWorld.World;

namespace FiSAO.ShapesWorld.Scenes;

/// <summary>One object named by a caption.</summary>
/// <param name="Noun">The object.</param>
/// <param name="Surface">The form the caption uses: the singular for one, the plural for more ("mice").</param>
/// <param name="Count">The count the caption states.</param>
/// <param name="Hallucinated">True when the object is not in the image (inserted on purpose).</param>
public sealed record CaptionMention(ShapeNoun Noun, string Surface, int Count, bool Hallucinated);

/// <summary>A caption and the objects it names, in order of appearance.</summary>
public sealed record CaptionSample(string Text, IReadOnlyList<CaptionMention> Mentions);

/// <summary>
/// Writes captions for scenes from varied templates: every object named once with its count ("two red mice and a
/// goose"), the plural form for counts above one, a/an and is/are agreeing, an optional colour when all objects of a
/// kind share it. <see cref="WithHallucinations"/> adds objects that are not in the image, for calibration and the
/// separation check.
/// </summary>
public static class CaptionWriter
{
    private static readonly string[] Templates =
    [
        "{L}.",
        "A picture of {L}.",
        "An image of {L}.",
        "This image shows {L}.",
        "There {be} {L}.",
        "There {be} {L} in this picture.",
        "In this picture there {be} {L}.",
        "I can see {L}.",
        "{L} {beAll} in the picture.",
        "{L} on a {bg} background.",
        "A scene with {L}.",
        "The image contains {L}.",
    ];

    private static readonly string[] NumberWords = ["zero", "one", "two", "three", "four", "five", "six"];

    /// <summary>Every word a caption can contain (lower case), for building the world's tokenizer.</summary>
    public static IReadOnlyList<string> Vocabulary { get; } = BuildVocabulary();

    /// <summary>The caption of a scene's objects (all of them, nothing else).</summary>
    public static CaptionSample Describe(IReadOnlyList<SceneObject> instances, bool striped, SceneRandom rng) =>
        Compose(Groups(instances), striped, rng);

    /// <summary>
    /// A caption that names the scene's objects plus <paramref name="hallucinations"/> objects that are not in it
    /// (count 1 or 2, sometimes with a colour), inserted at random places of the list.
    /// </summary>
    public static CaptionSample WithHallucinations(Scene scene, int hallucinations, SceneRandom rng)
    {
        var groups = Groups(scene.Instances);
        var absent = ShapesVocabulary.Nouns.Where(n => !scene.Objects.ContainsKey(n.Name)).ToList();
        if (hallucinations > absent.Count)
            throw new ArgumentOutOfRangeException(nameof(hallucinations), hallucinations, $"Only {absent.Count} objects are absent from the scene.");
        rng.Shuffle(absent);
        foreach (var noun in absent.Take(hallucinations))
        {
            int count = rng.Chance(0.7) ? 1 : 2;
            var color = rng.Pick(ShapesVocabulary.Colors);
            groups.Insert(rng.Next(groups.Count + 1), new Group(noun, count, Enumerable.Repeat(color, count).ToList(), true));
        }
        return Compose(groups, scene.Striped, rng, shuffle: false);
    }

    /// <summary>
    /// A caption that names the scene's objects in random order with <paramref name="absent"/> (not in the image; count 1 or
    /// 2, sometimes with a colour) inserted right after <paramref name="after"/> (in the image): how a caption written from
    /// a co-occurrence habit ("a moon, so a star") rather than from the picture reads.
    /// </summary>
    public static CaptionSample WithObjectAfter(Scene scene, ShapeNoun absent, ShapeNoun after, SceneRandom rng)
    {
        if (scene.Objects.ContainsKey(absent.Name))
            throw new ArgumentException($"The scene contains a {absent.Name}; the inserted object must be absent.", nameof(absent));
        var groups = Groups(scene.Instances);
        rng.Shuffle(groups);
        var anchor = groups.FindIndex(g => g.Noun == after);
        if (anchor < 0) throw new ArgumentException($"The scene has no {after.Name} to insert after.", nameof(after));
        int count = rng.Chance(0.7) ? 1 : 2;
        var color = rng.Pick(ShapesVocabulary.Colors);
        groups.Insert(anchor + 1, new Group(absent, count, Enumerable.Repeat(color, count).ToList(), true));
        return Compose(groups, scene.Striped, rng, shuffle: false);
    }

    private sealed record Group(ShapeNoun Noun, int Count, IReadOnlyList<ShapeColor> Colors, bool Hallucinated);

    private static List<Group> Groups(IReadOnlyList<SceneObject> instances) =>
        instances.GroupBy(o => o.Noun)
            .Select(g => new Group(g.Key, g.Count(), g.Select(o => o.Color).ToList(), false))
            .ToList();

    private static CaptionSample Compose(List<Group> groups, bool striped, SceneRandom rng, bool shuffle = true)
    {
        if (groups.Count == 0) throw new ArgumentException("A caption needs at least one object.", nameof(groups));
        if (shuffle) rng.Shuffle(groups);
        var phrases = groups.Select(g => NounPhrase(g, rng)).ToList();
        string list = JoinList(phrases, oxfordComma: rng.Chance(0.3));
        string template = rng.Pick(Templates);
        string text = template
            .Replace("{L}", list)
            .Replace("{be}", groups[0].Count == 1 ? "is" : "are")
            .Replace("{beAll}", groups.Count == 1 && groups[0].Count == 1 ? "is" : "are")
            .Replace("{bg}", striped ? "striped" : "speckled");
        text = char.ToUpperInvariant(text[0]) + text[1..];
        var mentions = groups.Select(g => new CaptionMention(g.Noun, g.Noun.FormFor(g.Count), g.Count, g.Hallucinated)).ToList();
        return new CaptionSample(text, mentions);
    }

    private static string NounPhrase(Group g, SceneRandom rng)
    {
        bool oneColor = g.Colors.All(c => c == g.Colors[0]);
        string noun = g.Noun.FormFor(g.Count);
        string head = oneColor && rng.Chance(0.6) ? $"{g.Colors[0].Name} {noun}" : noun;
        if (g.Count > 1) return $"{NumberWords[g.Count]} {head}";
        return rng.Chance(0.1) ? $"one {head}" : $"{ShapesVocabulary.IndefiniteArticle(head)} {head}";
    }

    private static string JoinList(IReadOnlyList<string> phrases, bool oxfordComma)
    {
        if (phrases.Count == 1) return phrases[0];
        var text = new StringBuilder();
        for (int i = 0; i < phrases.Count; i++)
        {
            if (i > 0)
                text.Append(i < phrases.Count - 1 ? ", " : phrases.Count > 2 && oxfordComma ? ", and " : " and ");
            text.Append(phrases[i]);
        }
        return text.ToString();
    }

    private static IReadOnlyList<string> BuildVocabulary()
    {
        var words = new SortedSet<string>(StringComparer.Ordinal);
        void AddText(string text)
        {
            foreach (var w in text.ToLowerInvariant().Split([' ', '.', ',', '{', '}'], StringSplitOptions.RemoveEmptyEntries))
                if (w.All(char.IsLetter)) words.Add(w);
        }
        foreach (var t in Templates) AddText(t.Replace("{L}", "").Replace("{be}", "").Replace("{beAll}", "").Replace("{bg}", ""));
        foreach (var w in new[] { "is", "are", "striped", "speckled", "a", "an", "and" }) words.Add(w);
        foreach (var w in NumberWords.Skip(1).Take(4)) words.Add(w);
        foreach (var c in ShapesVocabulary.Colors) AddText(c.Name);
        foreach (var n in ShapesVocabulary.Nouns) { AddText(n.Name); AddText(n.Plural); }
        return words.ToList();
    }
}
