using System.Buffers.Binary;

namespace FiSAO.Models.Imaging;

/// <summary>
/// Structural end-of-data checks for the common formats. Pillow refuses a truncated file ("image file is truncated"),
/// but ImageSharp (measured, 4.1 and 2.1) silently fills the missing part of a truncated JPEG, GIF or WebP and of some
/// BMPs with black. Walking the container to its declared end catches that before decoding.
/// </summary>
/// <remarks>Each check only answers "does the data stop early"; anything else malformed is left to the decoder.</remarks>
internal static class EncodedImageIntegrity
{
    /// <summary>Returns what is missing when the data stops before the image ends, or null.</summary>
    public static string? FindTruncation(string? formatName, ReadOnlySpan<byte> data) => formatName?.ToUpperInvariant() switch
    {
        "PNG" => CheckPng(data),
        "JPEG" => CheckJpeg(data),
        "GIF" => CheckGif(data),
        "WEBP" => CheckWebp(data),
        "BMP" => CheckBmp(data),
        _ => null,
    };

    private static string? CheckPng(ReadOnlySpan<byte> data)
    {
        int pos = 8; // signature
        while (true)
        {
            if (pos + 8 > data.Length)
            {
                return "PNG data ends before its IEND chunk";
            }

            uint length = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            ReadOnlySpan<byte> type = data.Slice(pos + 4, 4);
            long end = pos + 12L + length;
            if (end > data.Length)
            {
                return $"PNG chunk '{System.Text.Encoding.ASCII.GetString(type)}' is cut short";
            }

            if (type.SequenceEqual("IEND"u8))
            {
                return null;
            }

            pos = (int)end;
        }
    }

    private static string? CheckJpeg(ReadOnlySpan<byte> data)
    {
        const string missingEnd = "JPEG data ends before its end-of-image marker";
        int pos = 2; // SOI
        while (true)
        {
            // Skip to the next marker; libjpeg likewise tolerates stray bytes between segments.
            while (pos < data.Length && data[pos] != 0xFF)
            {
                pos++;
            }

            while (pos < data.Length && data[pos] == 0xFF)
            {
                pos++; // fill bytes
            }

            if (pos >= data.Length)
            {
                return missingEnd;
            }

            byte marker = data[pos++];
            if (marker == 0xD9)
            {
                return null; // EOI
            }

            if (marker is 0x01 or 0xD8 or (>= 0xD0 and <= 0xD7))
            {
                continue; // markers without a length
            }

            if (pos + 2 > data.Length)
            {
                return missingEnd;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
            if (length < 2)
            {
                return null; // malformed, not truncated: the decoder reports it
            }

            pos += length;
            if (pos > data.Length)
            {
                return missingEnd;
            }

            if (marker == 0xDA)
            {
                // Entropy-coded data follows the scan header: it ends at the first 0xFF that is neither a stuffed
                // 0xFF00, a restart marker nor fill.
                while (true)
                {
                    if (pos + 1 >= data.Length)
                    {
                        return missingEnd;
                    }

                    if (data[pos] == 0xFF && data[pos + 1] is not (0x00 or 0xFF or (>= 0xD0 and <= 0xD7)))
                    {
                        break;
                    }

                    pos++;
                }
            }
        }
    }

    private static string? CheckGif(ReadOnlySpan<byte> data) =>
        GifFirstFrame.Read(data, out _) ? null : "GIF data ends before its first frame does";

    private static string? CheckWebp(ReadOnlySpan<byte> data)
    {
        if (data.Length < 12)
        {
            return "WebP data ends inside its header";
        }

        long declared = 8L + BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
        return declared > data.Length ? $"WebP data is {data.Length} bytes but its RIFF header declares {declared}" : null;
    }

    private static string? CheckBmp(ReadOnlySpan<byte> data)
    {
        if (data.Length < 34 || BinaryPrimitives.ReadUInt32LittleEndian(data[14..]) < 40)
        {
            return null; // OS/2 core header or too short to tell: the decoder decides
        }

        uint pixelOffset = BinaryPrimitives.ReadUInt32LittleEndian(data[10..]);
        long width = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(data[18..]));
        long height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(data[22..]));
        int bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(data[28..]);
        uint compression = BinaryPrimitives.ReadUInt32LittleEndian(data[30..]);
        if (compression is not (0 or 3 or 6)) // only uncompressed rows have a computable size
        {
            return null;
        }

        long stride = (bitsPerPixel * width + 31) / 32 * 4;
        long needed = pixelOffset + stride * height;
        return needed > data.Length ? $"BMP pixel data needs {needed} bytes but the file has {data.Length}" : null;
    }
}
