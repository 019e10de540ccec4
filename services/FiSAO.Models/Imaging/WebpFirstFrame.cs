using System.Buffers.Binary;

namespace FiSAO.Models.Imaging;

/// <summary>
/// The first frame of an animated WebP, rewritten as a still WebP. ImageSharp 2.1 refuses animated WebP outright
/// (even to identify it); Pillow opens frame 1 through libwebp's <c>WebPAnimDecoder</c>.
/// </summary>
/// <remarks>
/// Measured with Pillow 9.4: frame 1 is drawn onto a canvas of transparent black (the ANIM background colour is
/// ignored) without blending, so after <c>convert("RGB")</c> the canvas outside the frame is black and the frame keeps
/// its stored colours, even under zero alpha. EXIF orientation applies to the whole canvas.
/// </remarks>
internal static class WebpFirstFrame
{
    /// <summary>The first frame as a still WebP (with the file's EXIF, if any), and where it sits on the canvas.</summary>
    internal sealed record Frame(int CanvasWidth, int CanvasHeight, int X, int Y, int Width, int Height, byte[] StillWebp);

    /// <summary>Returns null when <paramref name="data"/> is not an animated WebP.</summary>
    /// <exception cref="InvalidImageException">The animation's chunks are malformed (reason Corrupt).</exception>
    public static Frame? Find(ReadOnlySpan<byte> data)
    {
        if (data.Length < 30 || !data[..4].SequenceEqual("RIFF"u8) || !data.Slice(8, 4).SequenceEqual("WEBP"u8)
            || !data.Slice(12, 4).SequenceEqual("VP8X"u8) || (data[20] & 0x02) == 0)
        {
            return null; // not RIFF/WEBP with an extended header whose animation flag is set
        }

        int canvasWidth = 1 + ReadUInt24(data[24..]);
        int canvasHeight = 1 + ReadUInt24(data[27..]);
        long end = Math.Min(data.Length, 8L + BinaryPrimitives.ReadUInt32LittleEndian(data[4..]));

        ReadOnlySpan<byte> firstFrame = default;
        ReadOnlySpan<byte> exif = default;
        bool haveFrame = false;
        bool haveExif = false;
        int pos = 12;
        while (pos + 8 <= end)
        {
            ReadOnlySpan<byte> type = data.Slice(pos, 4);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(data[(pos + 4)..]);
            if (pos + 8 + size > end)
            {
                throw Corrupt($"chunk '{Fourcc(type)}' runs past the end of the file");
            }

            ReadOnlySpan<byte> payload = data.Slice(pos + 8, (int)size);
            if (!haveFrame && type.SequenceEqual("ANMF"u8))
            {
                firstFrame = payload;
                haveFrame = true;
            }
            else if (!haveExif && type.SequenceEqual("EXIF"u8))
            {
                exif = payload;
                haveExif = true;
            }

            pos += 8 + (int)size + (int)(size & 1); // chunks are padded to an even size
        }

        if (!haveFrame || firstFrame.Length < 16)
        {
            throw Corrupt("it has no complete ANMF frame");
        }

        int x = 2 * ReadUInt24(firstFrame);
        int y = 2 * ReadUInt24(firstFrame[3..]);
        int width = 1 + ReadUInt24(firstFrame[6..]);
        int height = 1 + ReadUInt24(firstFrame[9..]);
        if ((long)x + width > canvasWidth || (long)y + height > canvasHeight)
        {
            // libwebp's demuxer refuses such a file too.
            throw Corrupt($"frame 1 ({width}x{height} at {x},{y}) does not fit the {canvasWidth}x{canvasHeight} canvas");
        }

        ReadOnlySpan<byte> alpha = default;
        ReadOnlySpan<byte> image = default;
        bool lossless = false;
        pos = 16;
        while (pos + 8 <= firstFrame.Length && image.IsEmpty)
        {
            ReadOnlySpan<byte> type = firstFrame.Slice(pos, 4);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(firstFrame[(pos + 4)..]);
            if (pos + 8 + size > firstFrame.Length)
            {
                throw Corrupt($"frame 1's chunk '{Fourcc(type)}' runs past the end of the frame");
            }

            int chunkLength = 8 + (int)size;
            if (type.SequenceEqual("ALPH"u8))
            {
                alpha = firstFrame.Slice(pos, chunkLength);
            }
            else if (type.SequenceEqual("VP8 "u8) || type.SequenceEqual("VP8L"u8))
            {
                image = firstFrame.Slice(pos, chunkLength);
                lossless = type[3] == (byte)'L';
            }

            pos += chunkLength + (int)(size & 1);
        }

        if (image.IsEmpty)
        {
            throw Corrupt("frame 1 has no VP8 or VP8L image data");
        }

        if (exif.StartsWith("Exif\0\0"u8))
        {
            exif = exif[6..]; // some writers keep JPEG's APP1 prefix; Pillow accepts it, ImageSharp's EXIF reader does not
        }

        return new Frame(canvasWidth, canvasHeight, x, y, width, height, Still(width, height, lossless ? default : alpha, image, exif));
    }

    /// <summary>An extended-format still WebP: VP8X, [ALPH], VP8/VP8L, [EXIF].</summary>
    private static byte[] Still(int width, int height, ReadOnlySpan<byte> alpha, ReadOnlySpan<byte> image, ReadOnlySpan<byte> exif)
    {
        using var stream = new MemoryStream();
        stream.Write("RIFF\0\0\0\0WEBPVP8X"u8);
        Span<byte> vp8x = stackalloc byte[14];
        vp8x.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(vp8x, 10);
        vp8x[4] = (byte)((alpha.IsEmpty ? 0 : 0x10) | (exif.IsEmpty ? 0 : 0x08));
        WriteUInt24(vp8x[8..], width - 1);
        WriteUInt24(vp8x[11..], height - 1);
        stream.Write(vp8x);
        WritePadded(stream, alpha);
        WritePadded(stream, image);
        if (!exif.IsEmpty)
        {
            stream.Write("EXIF"u8);
            Span<byte> size = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)exif.Length);
            stream.Write(size);
            WritePadded(stream, exif);
        }

        byte[] still = stream.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(still.AsSpan(4), (uint)(still.Length - 8));
        return still;
    }

    private static void WritePadded(Stream stream, ReadOnlySpan<byte> bytes)
    {
        stream.Write(bytes);
        if ((bytes.Length & 1) != 0)
        {
            stream.WriteByte(0);
        }
    }

    private static int ReadUInt24(ReadOnlySpan<byte> b) => b[0] | (b[1] << 8) | (b[2] << 16);

    private static void WriteUInt24(Span<byte> b, int value)
    {
        b[0] = (byte)value;
        b[1] = (byte)(value >> 8);
        b[2] = (byte)(value >> 16);
    }

    private static string Fourcc(ReadOnlySpan<byte> type) => System.Text.Encoding.ASCII.GetString(type).TrimEnd();

    private static InvalidImageException Corrupt(string problem) =>
        new(InvalidImageReason.Corrupt, $"WebP animation cannot be read: {problem}");
}
