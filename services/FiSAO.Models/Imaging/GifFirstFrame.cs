namespace FiSAO.Models.Imaging;

/// <summary>
/// Walks a GIF's blocks up to the end of its first frame: enough to tell whether the frame is complete and which
/// colour its transparent palette index stands for.
/// </summary>
internal static class GifFirstFrame
{
    /// <summary>Returns false when the data stops before the first frame's image data ends.</summary>
    /// <param name="transparentColor">The palette colour behind the first frame's transparent index, if it has one.</param>
    public static bool Read(ReadOnlySpan<byte> data, out (byte R, byte G, byte B)? transparentColor)
    {
        transparentColor = null;
        if (data.Length < 13)
        {
            return false;
        }

        int globalTableSize = ColorTableSize(data[10]);
        int pos = 13 + globalTableSize;
        if (pos > data.Length)
        {
            return false;
        }

        ReadOnlySpan<byte> globalTable = data.Slice(13, globalTableSize);
        int? transparentIndex = null;
        while (pos < data.Length)
        {
            switch (data[pos])
            {
                case 0x21: // extension: introducer, label, sub-blocks
                    if (pos + 6 < data.Length && data[pos + 1] == 0xF9 && data[pos + 2] >= 4)
                    {
                        // Graphic control extension: flags, delay (2), transparent index; applies to the next image.
                        transparentIndex = (data[pos + 3] & 1) != 0 ? data[pos + 6] : null;
                    }

                    pos += 2;
                    if (!SkipSubBlocks(data, ref pos))
                    {
                        return false;
                    }

                    break;
                case 0x2C: // image descriptor (9 bytes), optional local colour table, LZW code size, sub-blocks
                    if (pos + 10 > data.Length)
                    {
                        return false;
                    }

                    int localTableSize = ColorTableSize(data[pos + 9]);
                    ReadOnlySpan<byte> table = localTableSize > 0 && pos + 10 + localTableSize <= data.Length
                        ? data.Slice(pos + 10, localTableSize)
                        : globalTable;
                    if (transparentIndex is int index && 3 * index + 3 <= table.Length)
                    {
                        transparentColor = (table[3 * index], table[3 * index + 1], table[3 * index + 2]);
                    }

                    pos += 10 + localTableSize + 1;
                    return SkipSubBlocks(data, ref pos);
                default:
                    return true; // trailer or garbage before any frame: the decoder reports it
            }
        }

        return false;
    }

    private static int ColorTableSize(byte flags) => (flags & 0x80) != 0 ? 3 << ((flags & 7) + 1) : 0;

    private static bool SkipSubBlocks(ReadOnlySpan<byte> data, ref int pos)
    {
        while (pos < data.Length)
        {
            int size = data[pos++];
            if (size == 0)
            {
                return true;
            }

            pos += size;
        }

        return false;
    }
}
