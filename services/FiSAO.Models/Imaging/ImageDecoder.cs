using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FiSAO.Models.Imaging;

/// <summary>
/// Decodes untrusted image bytes into 8-bit RGB the way HF's <c>load_image</c> prepares a PIL image:
/// <c>ImageOps.exif_transpose(image).convert("RGB")</c> on the first frame.
/// </summary>
/// <remarks>
/// Measured against Pillow 9.4: ImageSharp's conversion to <see cref="Rgb24"/> drops alpha without compositing and
/// expands grayscale and palettes, exactly like <c>convert("RGB")</c> (PNG RGBA/LA/palette+tRNS, GIF, BMP, TIFF,
/// WebP lossless and lossy, CMYK JPEG all bit-identical), and <c>AutoOrient</c> matches <c>exif_transpose</c> for
/// all eight orientations. Known differences: YCbCr JPEGs differ by a few levels (ImageSharp's IDCT and chroma
/// upsampling are not libjpeg-turbo's); 16-bit grayscale PNGs are scaled to 8 bits here, where Pillow's "I" to "RGB"
/// conversion clips every value above 255 to white.
/// </remarks>
internal static class ImageDecoder
{
    // One frame only: Pillow opens the first frame of a GIF/APNG/WebP animation, and decoding the others would let a
    // small file with many frames allocate many full-size images.
    private static readonly DecoderOptions Options = new() { MaxFrames = 1 };

    public static RgbImage Decode(ReadOnlySpan<byte> data, long maxPixels)
    {
        if (data.IsEmpty)
        {
            throw new InvalidImageException(InvalidImageReason.Empty, "image is empty (0 bytes)");
        }

        // Structure first: a truncated file should say so rather than fail somewhere inside the header parser.
        string format = DetectFormat(data);
        if (EncodedImageIntegrity.FindTruncation(format, data) is string truncation)
        {
            throw new InvalidImageException(InvalidImageReason.Truncated, $"image data is truncated: {truncation}");
        }

        ImageInfo info = Identify(data);
        if (info.Width <= 0 || info.Height <= 0)
        {
            throw new InvalidImageException(InvalidImageReason.ZeroSize, $"image is {info.Width}x{info.Height}: it has no pixels");
        }

        long pixels = (long)info.Width * info.Height;
        if (pixels > maxPixels)
        {
            throw new InvalidImageException(
                InvalidImageReason.TooLarge,
                $"image is {info.Width}x{info.Height} = {FormatCount(pixels)} pixels; the limit is {FormatCount(maxPixels)} pixels");
        }

        try
        {
            if (string.Equals(format, "GIF", StringComparison.OrdinalIgnoreCase) && GifFirstFrame.Read(data, out var transparentColor) && transparentColor is { } color)
            {
                return DecodeGifWithTransparency(data, color);
            }

            using Image<Rgb24> image = Image.Load<Rgb24>(Options, data);
            image.Mutate(x => x.AutoOrient());
            var rgb = new RgbImage(image.Width, image.Height);
            image.CopyPixelDataTo(rgb.Pixels);
            return rgb;
        }
        catch (Exception e) when (e is not (OutOfMemoryException or InvalidImageException))
        {
            throw new InvalidImageException(InvalidImageReason.Corrupt, $"{format} data cannot be decoded: {FirstLine(e.Message)}", e);
        }
    }

    /// <summary>
    /// ImageSharp leaves a GIF's transparent pixels transparent black; PIL opens the frame as a palette image, and
    /// convert("RGB") gives those pixels the palette colour of the transparent index. Decode with alpha to find them.
    /// </summary>
    private static RgbImage DecodeGifWithTransparency(ReadOnlySpan<byte> data, (byte R, byte G, byte B) transparent)
    {
        using Image<Rgba32> image = Image.Load<Rgba32>(Options, data);
        image.Mutate(x => x.AutoOrient());
        var rgb = new RgbImage(image.Width, image.Height);
        var rgba = new Rgba32[image.Width * image.Height];
        image.CopyPixelDataTo(rgba);
        Span<byte> output = rgb.Pixels;
        for (int i = 0; i < rgba.Length; i++)
        {
            Rgba32 p = rgba[i];
            (output[3 * i], output[3 * i + 1], output[3 * i + 2]) = p.A == 0 ? transparent : (p.R, p.G, p.B);
        }

        return rgb;
    }

    private static string DetectFormat(ReadOnlySpan<byte> data)
    {
        try
        {
            return Image.DetectFormat(Options, data).Name;
        }
        catch (UnknownImageFormatException e)
        {
            string head = Convert.ToHexString(data[..Math.Min(8, data.Length)]);
            throw new InvalidImageException(
                InvalidImageReason.UnknownFormat,
                $"not a supported image format (PNG, JPEG, GIF, WebP, BMP, TIFF, ...); the data starts with 0x{head}",
                e);
        }
    }

    private static ImageInfo Identify(ReadOnlySpan<byte> data)
    {
        try
        {
            return Image.Identify(Options, data);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidImageException(InvalidImageReason.Corrupt, $"image header cannot be read: {FirstLine(e.Message)}", e);
        }
    }

    /// <summary>1600000000 -> "1.6 G", 50000000 -> "50 M".</summary>
    internal static string FormatCount(long n) => n switch
    {
        >= 1_000_000_000 => (n / 1e9).ToString("0.#", CultureInfo.InvariantCulture) + " G",
        >= 1_000_000 => (n / 1e6).ToString("0.#", CultureInfo.InvariantCulture) + " M",
        >= 1_000 => (n / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + " k",
        _ => n.ToString(CultureInfo.InvariantCulture),
    };

    private static string FirstLine(string message)
    {
        int newline = message.IndexOf('\n');
        return (newline < 0 ? message : message[..newline]).TrimEnd();
    }
}
