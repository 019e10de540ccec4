using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace FiSAO.Client;

/// <summary>The verifier's image id: lowercase hex SHA-256 of the encoded bytes.</summary>
public static class ImageId
{
    public static string Of(ReadOnlySpan<byte> image) => Convert.ToHexStringLower(SHA256.HashData(image));

    /// <summary>Ids of many images, hashing each distinct buffer once: trainers usually pass the same array for every
    /// sample drawn from one prompt.</summary>
    internal static string[] OfAll(IReadOnlyList<ReadOnlyMemory<byte>> images)
    {
        var ids = new string[images.Count];
        var seen = new Dictionary<(byte[], int, int), string>();
        for (int i = 0; i < images.Count; i++)
        {
            if (MemoryMarshal.TryGetArray(images[i], out var segment) && segment.Array is { } array)
            {
                var key = (array, segment.Offset, segment.Count);
                if (!seen.TryGetValue(key, out var id)) seen[key] = id = Of(images[i].Span);
                ids[i] = id;
            }
            else ids[i] = Of(images[i].Span);
        }
        return ids;
    }
}
