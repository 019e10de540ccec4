namespace FiSAO.ShapesWorld.World;

/// <summary>The drawable kinds of the shapes world; each is one object noun (<see cref="ShapeNoun"/>).</summary>
public enum ShapeKind
{
    Ball,
    Box,
    Star,
    Heart,
    Moon,
    Ring,
    Arrow,
    House,
    Tree,
    Umbrella,
    Mouse,
    Goose,
    Leaf,
    Knife,
    TrafficCone,
    PaperPlane,
}

/// <summary>An object noun of the shapes world: its canonical (singular) name, its plural, and the shape drawn for it.</summary>
/// <param name="Name">Canonical entity name, singular, lower case ("traffic cone").</param>
/// <param name="Plural">The plural surface form ("traffic cones", "mice").</param>
/// <param name="Kind">The shape drawn for it.</param>
public sealed record ShapeNoun(string Name, string Plural, ShapeKind Kind)
{
    /// <summary>True when the plural is not the noun plus "s"/"es" ("mice", "leaves").</summary>
    public bool HasIrregularPlural => Plural != Name + "s" && Plural != Name + "es";

    /// <summary>Number of words of the name.</summary>
    public int WordCount => Name.Split(' ').Length;

    /// <summary>The surface form for a count: the singular for 1, the plural otherwise.</summary>
    public string FormFor(int count) => count == 1 ? Name : Plural;

    public override string ToString() => Name;
}
