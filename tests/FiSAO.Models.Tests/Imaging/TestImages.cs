using System.Buffers.Binary;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.PixelFormats;

namespace FiSAO.Models.Tests.Imaging;

/// <summary>Builds encoded test images in memory.</summary>
internal static class TestImages
{
    public static byte[] Encode<TPixel>(Image<TPixel> image, IImageEncoder encoder)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }

    public static Image<Rgb24> Uniform(int width, int height, Rgb24 color) => new(width, height, color);

    /// <summary>Left half one colour, right half another.</summary>
    public static Image<Rgb24> SplitVertically(int width, int height, Rgb24 left, Rgb24 right)
    {
        var image = new Image<Rgb24>(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                image[x, y] = x < width / 2 ? left : right;
            }
        }

        return image;
    }

    /// <summary>An image whose red channel is x + 10 * y, so a pixel's value says where it came from.</summary>
    public static Image<Rgb24> Coordinates(int width, int height)
    {
        var image = new Image<Rgb24>(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                image[x, y] = new Rgb24((byte)(x + 10 * y), 1, 2);
            }
        }

        return image;
    }

    /// <summary>
    /// A PNG that is only a signature, an IHDR claiming <paramref name="width"/> x <paramref name="height"/> 8-bit RGB,
    /// and IEND: no pixel data, so decoding it could never succeed.
    /// </summary>
    public static byte[] PngHeaderOnly(uint width, uint height)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // colour type RGB
        using var stream = new MemoryStream();
        stream.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        WriteChunk(stream, "IHDR", ihdr);
        WriteChunk(stream, "IEND", []);
        return stream.ToArray();
    }

    /// <summary>
    /// A hand-built 2x1 GIF: global palette [(200, 100, 50), (10, 20, 30)], pixels [0, 1], and a graphic control
    /// extension making index 0 transparent. (ImageSharp's encoder would blank the transparent palette entry.)
    /// </summary>
    public static byte[] GifWithColouredTransparentIndex() =>
    [
        .. "GIF89a"u8,
        2, 0, 1, 0, // logical screen 2x1
        0x80, 0, 0, // global colour table of 2 entries
        200, 100, 50, 10, 20, 30,
        0x21, 0xF9, 4, 0x01, 0, 0, 0, 0, // graphic control extension: transparent index 0
        0x2C, 0, 0, 0, 0, 2, 0, 1, 0, 0, // image descriptor 2x1, no local table
        2, // LZW minimum code size
        2, 0x44, 0x0A, 0, // codes clear(4), 0, 1, end(5) at 3 bits each, LSB first
        0x3B, // trailer
    ];

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)data.Length);
        byte[] typeAndData = [.. System.Text.Encoding.ASCII.GetBytes(type), .. data];
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typeAndData));
        stream.Write(length);
        stream.Write(typeAndData);
        stream.Write(crc);
    }

    private static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int i = 0; i < 8; i++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        return ~crc;
    }
}
