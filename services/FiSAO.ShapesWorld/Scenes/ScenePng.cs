using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace FiSAO.ShapesWorld.Scenes;

/// <summary>PNG encoding of scene pixels with fixed settings, so that the same pixels always give the same bytes.</summary>
public static class ScenePng
{
    private static readonly PngEncoder Encoder = new()
    {
        ColorType = PngColorType.Rgb,
        BitDepth = PngBitDepth.Bit8,
        CompressionLevel = PngCompressionLevel.DefaultCompression,
        FilterMethod = PngFilterMethod.Adaptive,
        ChunkFilter = PngChunkFilter.ExcludeAll,
    };

    public static byte[] Encode(byte[] rgb, int width, int height)
    {
        using var image = Image.LoadPixelData<Rgb24>(rgb, width, height);
        using var stream = new MemoryStream();
        image.SaveAsPng(stream, Encoder);
        return stream.ToArray();
    }

    /// <summary>Decodes a PNG to interleaved 8-bit RGB (for tests and tools).</summary>
    public static byte[] DecodeRgb(byte[] png, out int width, out int height)
    {
        using var image = Image.Load<Rgb24>(png);
        width = image.Width;
        height = image.Height;
        var rgb = new byte[width * height * 3];
        image.CopyPixelDataTo(rgb);
        return rgb;
    }
}
