namespace FiSAO.ShapesWorld.Scenes;

/// <summary>How scenes are drawn. The defaults are the world the built-in verifier model is trained on.</summary>
public sealed record SceneOptions
{
    /// <summary>Image side in pixels (square images). 96 trains fast on two CPU cores and keeps 16 icons distinct.</summary>
    public int ImageSize { get; init; } = 96;

    public int MinObjects { get; init; } = 1;

    public int MaxObjects { get; init; } = 4;

    /// <summary>Most objects of one kind in a scene.</summary>
    public int MaxPerNoun { get; init; } = 3;

    /// <summary>Object size (radius of its unit) as a share of the image side: drawn uniformly from this range.</summary>
    public double MinSize { get; init; } = 0.12;

    public double MaxSize { get; init; } = 0.19;

    /// <summary>Every object keeps at least this share of its pixels visible; placements that would hide more are redrawn.</summary>
    public double MinVisibleFraction { get; init; } = 0.6;

    /// <summary>Sub-samples per pixel side for anti-aliasing.</summary>
    public int Supersampling { get; init; } = 3;

    /// <summary>Background clutter: small marks that are not objects of the vocabulary, stripes, blotches and noise.</summary>
    public bool Clutter { get; init; } = true;

    public void Validate()
    {
        if (ImageSize < 32) throw new ArgumentOutOfRangeException(nameof(ImageSize), ImageSize, "Images need at least 32 px.");
        if (MinObjects < 1 || MaxObjects < MinObjects) throw new ArgumentOutOfRangeException(nameof(MaxObjects), "Need 1 <= MinObjects <= MaxObjects.");
        if (MaxPerNoun < 1) throw new ArgumentOutOfRangeException(nameof(MaxPerNoun));
        if (MinSize <= 0 || MaxSize < MinSize || MaxSize > 0.45) throw new ArgumentOutOfRangeException(nameof(MaxSize), "Need 0 < MinSize <= MaxSize <= 0.45.");
        if (MinVisibleFraction is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(MinVisibleFraction));
        if (Supersampling is < 1 or > 8) throw new ArgumentOutOfRangeException(nameof(Supersampling));
    }
}
