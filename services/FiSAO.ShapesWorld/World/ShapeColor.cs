namespace FiSAO.ShapesWorld.World;

/// <summary>A named object colour (sRGB).</summary>
public sealed record ShapeColor(string Name, byte R, byte G, byte B)
{
    /// <summary>Euclidean distance in RGB to another colour.</summary>
    public double DistanceTo(double r, double g, double b) =>
        Math.Sqrt((R - r) * (R - r) + (G - g) * (G - g) + (B - b) * (B - b));

    /// <summary>Relative luminance-like brightness in [0, 255] (Rec. 601 weights).</summary>
    public double Brightness => 0.299 * R + 0.587 * G + 0.114 * B;

    public override string ToString() => Name;
}
