using System.Security.Cryptography;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FiSAO.Verifier.Rest;

/// <summary>
/// The request examples of the OpenAPI document: they run as shipped from Swagger UI's "Try it out" (a test sends
/// every one to a real verifier). The image is a small PNG made here, so its base64 and its id always agree.
/// </summary>
public static class RestExamples
{
    public const string Caption = "A dog on a sofa next to two cats.";

    /// <summary>The caption as a LLaMA-style policy's SentencePiece tokens.</summary>
    public static readonly string[] CaptionTokens = ["▁A", "▁dog", "▁on", "▁a", "▁so", "fa", "▁next", "▁to", "▁two", "▁cats", "."];

    /// <summary>An id no verifier holds: the batch example's failing item.</summary>
    public static readonly string UnknownImageId = new('0', 64);

    static readonly Lazy<byte[]> LazyPng = new(MakePng);

    public static byte[] Png => LazyPng.Value;

    /// <summary>The id the verifier gives <see cref="Png"/> (SHA-256 of its bytes).</summary>
    public static string PngId => Convert.ToHexStringLower(SHA256.HashData(Png));

    public static ScoreRequest CaptionWithImage => new(ImageBase64: Png, Text: Caption);

    public static ScoreRequest TokensByImageId => new(ImageId: PngId, Tokens: CaptionTokens,
        TokenFormat: FiSAO.Rewards.Alignment.TokenFormat.SentencePiece);

    static byte[] MakePng()
    {
        // A brown blob on a grey sofa-coloured band: any image scores; this one is small enough to read in the document.
        using var image = new Image<Rgb24>(32, 32);
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 32; x++)
            {
                var inBlob = (x - 12) * (x - 12) + (y - 14) * (y - 14) < 40;
                image[x, y] = inBlob ? new Rgb24(120, 80, 40) : y > 20 ? new Rgb24(110, 110, 120) : new Rgb24(220, 220, 230);
            }
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }
}
