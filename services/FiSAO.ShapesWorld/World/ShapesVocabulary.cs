using System.Text;
using FiSAO.Rewards.Entities;

namespace FiSAO.ShapesWorld.World;

/// <summary>
/// The closed vocabulary of the shapes world: 16 object nouns (two of them two-word names, four with irregular
/// plurals), the object colours, and the world's entity list (the file the verifier and CHAIR load with
/// <see cref="EntitySet.Load(string, EntitySetLoadOptions?)"/>).
/// </summary>
public static class ShapesVocabulary
{
    /// <summary>File name of the entity list inside a shapes model folder.</summary>
    public const string EntityFileName = "entities.txt";

    /// <summary>The object nouns, in a fixed order (their index is the class id used in training).</summary>
    public static IReadOnlyList<ShapeNoun> Nouns { get; } =
    [
        new("ball", "balls", ShapeKind.Ball),
        new("box", "boxes", ShapeKind.Box),
        new("star", "stars", ShapeKind.Star),
        new("heart", "hearts", ShapeKind.Heart),
        new("moon", "moons", ShapeKind.Moon),
        new("ring", "rings", ShapeKind.Ring),
        new("arrow", "arrows", ShapeKind.Arrow),
        new("house", "houses", ShapeKind.House),
        new("tree", "trees", ShapeKind.Tree),
        new("umbrella", "umbrellas", ShapeKind.Umbrella),
        new("mouse", "mice", ShapeKind.Mouse),
        new("goose", "geese", ShapeKind.Goose),
        new("leaf", "leaves", ShapeKind.Leaf),
        new("knife", "knives", ShapeKind.Knife),
        new("traffic cone", "traffic cones", ShapeKind.TrafficCone),
        new("paper plane", "paper planes", ShapeKind.PaperPlane),
    ];

    /// <summary>Object colours: bright, so that every object is lighter than the dark, muted backgrounds (a cue that
    /// does not depend on the colour, which a small ViT picks up fast). Backgrounds keep a distance to every colour used.</summary>
    public static IReadOnlyList<ShapeColor> Colors { get; } =
    [
        new("red", 235, 50, 45),
        new("green", 60, 200, 80),
        new("blue", 70, 120, 245),
        new("yellow", 245, 220, 50),
        new("orange", 250, 150, 40),
        new("purple", 170, 90, 230),
        new("pink", 250, 140, 200),
        new("white", 245, 245, 245),
    ];

    /// <summary>The noun of a canonical name (ordinal), or null.</summary>
    public static ShapeNoun? Find(string name) => Nouns.FirstOrDefault(n => n.Name == name);

    /// <summary>The noun of a canonical name; throws when unknown.</summary>
    public static ShapeNoun Get(string name) =>
        Find(name) ?? throw new ArgumentException($"'{name}' is not an object of the shapes world.", nameof(name));

    /// <summary>Every surface form (singular and plural) with its noun, nouns in order, singular first.</summary>
    public static IReadOnlyList<(string Surface, ShapeNoun Noun)> SurfaceForms { get; } =
        Nouns.SelectMany(n => new[] { (n.Name, n), (n.Plural, n) }).ToList();

    /// <summary>
    /// The entity list: one canonical entity per line, then each plural as <c>surface TAB canonical</c>. Loadable by
    /// <see cref="EntitySet.Load(string, EntitySetLoadOptions?)"/> (the plain-list format; the explicit plural rows
    /// agree with what the loader's inflector would add).
    /// </summary>
    public static string EntityListText()
    {
        var text = new StringBuilder();
        text.Append("# FiSAO shapes world: object entities (one canonical name per line) and their plural surface forms\n");
        text.Append("# (surface<TAB>canonical). Written by FiSAO.ShapesWorld; load with EntitySet.Load or --entities.\n");
        foreach (var noun in Nouns) text.Append(noun.Name).Append('\n');
        foreach (var noun in Nouns) text.Append(noun.Plural).Append('\t').Append(noun.Name).Append('\n');
        return text.ToString();
    }

    /// <summary>Writes <see cref="EntityListText"/> (UTF-8, LF) to a file.</summary>
    public static void WriteEntityList(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        File.WriteAllText(path, EntityListText(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }

    /// <summary>The entity set of the world, parsed from <see cref="EntityListText"/>.</summary>
    public static EntitySet EntitySet => LazySet.Value;

    private static readonly Lazy<EntitySet> LazySet = new(() =>
        EntitySet.Parse(new StringReader(EntityListText()), "shapes-world"));

    /// <summary>"a" or "an" for the word that follows.</summary>
    public static string IndefiniteArticle(string nextWord) => "aeiou".Contains(nextWord[0]) ? "an" : "a";
}
