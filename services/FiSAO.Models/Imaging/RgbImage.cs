namespace FiSAO.Models.Imaging;

/// <summary>An 8-bit RGB image, rows top to bottom, 3 interleaved bytes per pixel (PIL mode "RGB" / numpy HWC uint8).</summary>
internal sealed class RgbImage
{
    public RgbImage(int width, int height, byte[]? pixels = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        Width = width;
        Height = height;
        Pixels = pixels ?? new byte[checked(width * height * 3)];
        if (Pixels.Length != width * height * 3)
        {
            throw new ArgumentException($"{width}x{height} RGB needs {width * height * 3} bytes, got {Pixels.Length}.", nameof(pixels));
        }
    }

    public int Width { get; }

    public int Height { get; }

    public byte[] Pixels { get; }

    public Span<byte> Row(int y) => Pixels.AsSpan(y * Width * 3, Width * 3);
}
