using System.Buffers.Binary;

namespace FiSAO.Cli;

/// <summary>
/// Distinct images made without an image library: 24-bit BMPs (which the verifier decodes) of seeded noise, with a
/// request counter stamped into the first pixels so every one has its own content hash (an uncached image).
/// </summary>
internal sealed class SyntheticImages
{
    const int HeaderBytes = 14 + 40;
    readonly byte[] _template;

    public SyntheticImages(int side, int seed = 1)
    {
        var stride = (side * 3 + 3) & ~3;
        _template = new byte[HeaderBytes + stride * side];
        var span = _template.AsSpan();
        span[0] = (byte)'B';
        span[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(span[2..], _template.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span[10..], HeaderBytes);
        BinaryPrimitives.WriteInt32LittleEndian(span[14..], 40);           // BITMAPINFOHEADER
        BinaryPrimitives.WriteInt32LittleEndian(span[18..], side);         // width
        BinaryPrimitives.WriteInt32LittleEndian(span[22..], side);         // height (bottom-up)
        BinaryPrimitives.WriteInt16LittleEndian(span[26..], 1);            // planes
        BinaryPrimitives.WriteInt16LittleEndian(span[28..], 24);           // bits per pixel
        BinaryPrimitives.WriteInt32LittleEndian(span[34..], stride * side); // image size
        new Random(seed).NextBytes(span[HeaderBytes..]);
    }

    public int Bytes => _template.Length;

    /// <summary>Image number <paramref name="n"/>: the template with <paramref name="n"/> in its first 8 pixel bytes.</summary>
    public byte[] Create(long n)
    {
        var image = (byte[])_template.Clone();
        BinaryPrimitives.WriteInt64LittleEndian(image.AsSpan(HeaderBytes), n);
        return image;
    }
}
