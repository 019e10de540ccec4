using FiSAO.ShapesWorld.World;

namespace FiSAO.ShapesWorld.Scenes;

/// <summary>One drawn object of a scene.</summary>
/// <param name="Noun">What it is.</param>
/// <param name="Color">Its colour (the body colour; a detail part is a shade of it).</param>
/// <param name="X">Centre, pixels from the left.</param>
/// <param name="Y">Centre, pixels from the top.</param>
/// <param name="Size">Radius in pixels of the object's unit (the shape lies within about this distance of the centre).</param>
/// <param name="Angle">Rotation, radians.</param>
/// <param name="Flipped">Mirrored left-right.</param>
/// <param name="Area">Pixels the object covers (at least half) when drawn.</param>
/// <param name="VisiblePixels">Of those, pixels it still shows in the finished scene (not covered by a later object).</param>
public sealed record SceneObject(ShapeNoun Noun, ShapeColor Color, double X, double Y, double Size, double Angle, bool Flipped,
    int Area, int VisiblePixels)
{
    /// <summary>Share of the object left visible, (0, 1].</summary>
    public double VisibleFraction => Area == 0 ? 0 : (double)VisiblePixels / Area;
}

/// <summary>
/// A generated scene: the image (8-bit RGB), exactly what is in it, and a caption that names every object with its
/// count. Identified by (seed, index): the same pair always gives the same scene.
/// </summary>
public sealed class Scene
{
    internal Scene(long seed, int index, int width, int height, byte[] rgb, int[] owner, IReadOnlyList<SceneObject> instances,
        bool striped, string caption)
    {
        Seed = seed;
        Index = index;
        Width = width;
        Height = height;
        Rgb = rgb;
        Owner = owner;
        Instances = instances;
        Striped = striped;
        Caption = caption;
        Objects = instances.GroupBy(o => o.Noun.Name, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
    }

    public long Seed { get; }

    /// <summary>0-based index within the seed's stream.</summary>
    public int Index { get; }

    public int Width { get; }
    public int Height { get; }

    /// <summary>Interleaved 8-bit RGB, row-major, <c>Width * Height * 3</c> bytes.</summary>
    public byte[] Rgb { get; }

    /// <summary>Per pixel, the index into <see cref="Instances"/> of the object shown there, or -1 (background).</summary>
    public int[] Owner { get; }

    /// <summary>The objects in drawing order (later ones on top).</summary>
    public IReadOnlyList<SceneObject> Instances { get; }

    /// <summary>Ground truth: canonical object name -> count, sorted by name.</summary>
    public IReadOnlyDictionary<string, int> Objects { get; }

    /// <summary>Whether the background has stripes (captions may say so).</summary>
    public bool Striped { get; }

    /// <summary>The scene's caption: names exactly the objects in <see cref="Objects"/>, with their counts.</summary>
    public string Caption { get; }

    /// <summary>File name used by the dataset writer: <c>scene-00001.png</c> for index 0.</summary>
    public string FileName(int digits = 5) => $"scene-{(Index + 1).ToString().PadLeft(digits, '0')}.png";

    /// <summary>The image as PNG bytes (deterministic).</summary>
    public byte[] ToPng() => ScenePng.Encode(Rgb, Width, Height);
}
