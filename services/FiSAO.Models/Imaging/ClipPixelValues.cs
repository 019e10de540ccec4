namespace FiSAO.Models.Imaging;

/// <summary>One preprocessed image: float32 <c>[3, Height, Width]</c>, channel-first (HF <c>pixel_values[i]</c>).</summary>
public sealed record ClipPixelValues(float[] Data, int Height, int Width)
{
    public float this[int channel, int y, int x] => Data[(channel * Height + y) * Width + x];
}
