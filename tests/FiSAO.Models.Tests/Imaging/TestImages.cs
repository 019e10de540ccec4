using System.Buffers.Binary;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
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

    /// <summary>
    /// A 16x16 Adobe CMYK JPEG of C=0, M=217, Y=140, K=55 (Pillow decodes it to RGB (200, 30, 90)). ImageSharp 2.1 cannot
    /// encode CMYK, so Pillow 9.4 (Debian bookworm's python3-pil, libjpeg-turbo 2.1.5) wrote it once:
    /// <c>Image.new("CMYK", (16, 16), (0, 217, 140, 55)).save(f, "JPEG", quality=100)</c>. Like Photoshop's CMYK JPEGs
    /// it has an APP14 Adobe marker (transform 0) and stores inverted CMYK.
    /// </summary>
    public static byte[] CmykJpeg() => Convert.FromBase64String(
        "/9j/7gAOQWRvYmUAZAAAAAAA/9sAQwABAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB"
        + "AQEBAQEBAQEBAQEB/8AAFAgAEAAQBEMRAE0RAFkRAEsRAP/EAB8AAAEFAQEBAQEBAAAAAAAAAAABAgMEBQYHCAkKC//EALUQAAIB"
        + "AwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZH"
        + "SElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV"
        + "1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+v/aAA4EQwBNAFkASwAAPwD+/iv5L68Xr+kCiiiiiiiiiiiiv//Z");

    /// <summary>
    /// An animated WebP built around ImageSharp-encoded lossless frames (ImageSharp 2.1 cannot encode animations): VP8X
    /// with the animation flag, ANIM with an opaque white background (which Pillow ignores), one ANMF per frame at
    /// its canvas position (even coordinates), and an EXIF chunk when <paramref name="exif"/> is given.
    /// </summary>
    public static byte[] AnimatedWebp(int canvasWidth, int canvasHeight, (int X, int Y, Image<Rgba32> Image)[] frames, ExifProfile? exif = null)
    {
        using var body = new MemoryStream();
        byte flags = (byte)(0x02 | 0x10 | (exif is null ? 0 : 0x08)); // animation, alpha, EXIF
        WriteRiffChunk(body, "VP8X", [flags, 0, 0, 0, .. UInt24(canvasWidth - 1), .. UInt24(canvasHeight - 1)]);
        WriteRiffChunk(body, "ANIM", [255, 255, 255, 255, 0, 0]); // background BGRA white, loop forever
        foreach ((int x, int y, Image<Rgba32> image) in frames)
        {
            // Preserve: keep the stored colour of fully transparent pixels instead of zeroing it.
            byte[] still = Encode(image, new WebpEncoder { FileFormat = WebpFileFormatType.Lossless, TransparentColorMode = WebpTransparentColorMode.Preserve });
            WriteRiffChunk(body, "ANMF", [
                .. UInt24(x / 2), .. UInt24(y / 2), .. UInt24(image.Width - 1), .. UInt24(image.Height - 1),
                .. UInt24(100), 0, // duration, flags
                .. RiffChunk(still, "VP8L"),
            ]);
        }

        if (exif is not null)
        {
            WriteRiffChunk(body, "EXIF", exif.ToByteArray());
        }

        var file = new byte[12 + body.Length];
        "RIFF"u8.CopyTo(file);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), (uint)(4 + body.Length));
        "WEBP"u8.CopyTo(file.AsSpan(8));
        body.ToArray().CopyTo(file, 12);
        return file;
    }

    /// <summary>The whole chunk (header, payload, padding) of the first <paramref name="type"/> chunk of a RIFF file.</summary>
    private static byte[] RiffChunk(byte[] riff, string type)
    {
        for (int pos = 12; pos + 8 <= riff.Length;)
        {
            int size = (int)BinaryPrimitives.ReadUInt32LittleEndian(riff.AsSpan(pos + 4));
            int length = 8 + size + (size & 1);
            if (System.Text.Encoding.ASCII.GetString(riff, pos, 4) == type)
            {
                return riff[pos..(pos + length)];
            }

            pos += length;
        }

        throw new InvalidOperationException($"no {type} chunk");
    }

    private static void WriteRiffChunk(Stream stream, string type, byte[] payload)
    {
        stream.Write(System.Text.Encoding.ASCII.GetBytes(type));
        var size = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)payload.Length);
        stream.Write(size);
        stream.Write(payload);
        if ((payload.Length & 1) != 0)
        {
            stream.WriteByte(0);
        }
    }

    private static byte[] UInt24(int value) => [(byte)value, (byte)(value >> 8), (byte)(value >> 16)];

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
