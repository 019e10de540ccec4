using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Pbm;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tga;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FiSAO.Models.Imaging;

/// <summary>
/// Decodes untrusted image bytes into 8-bit RGB the way HF's <c>load_image</c> prepares a PIL image:
/// <c>ImageOps.exif_transpose(image).convert("RGB")</c> on the first frame.
/// </summary>
/// <remarks>
/// Measured against Pillow 9.4 with ImageSharp 2.1.13: ImageSharp's conversion to <see cref="Rgb24"/> drops alpha
/// without compositing and expands grayscale and palettes, exactly like <c>convert("RGB")</c> (PNG RGBA/LA/palette+tRNS,
/// GIF, BMP, TIFF, WebP lossless and lossy, the first frame of an animated WebP all bit-identical; CMYK JPEG within one
/// level), and <c>AutoOrient</c> matches <c>exif_transpose</c> for all eight orientations. Known differences: YCbCr
/// JPEGs differ by a few levels (ImageSharp's IDCT and chroma upsampling are not libjpeg-turbo's; 2.1 is the nearer of
/// 2.1 and 4.1: on a smooth 4:2:0 photo-like test image the mean difference is 1.2 levels against 4.1's 1.4, and a
/// 4:4:4 one has 3% of its values off by 1-2 against 34%); 16-bit grayscale PNGs are scaled to 8 bits here, where
/// Pillow's "I" to "RGB" conversion clips every value above 255 to white. Pillow reads, but 2.1 does not: ICO/CUR
/// (UnknownFormat), CMYK TIFF and arithmetic-coded JPEG (Corrupt); 2.1 also inverts CCITT Group 3/4 fax TIFFs.
/// </remarks>
internal static class ImageDecoder
{
    // ImageSharp 2.1 has no DecoderOptions.MaxFrames; the multi-frame decoders take a frame mode instead. One frame
    // only: Pillow opens the first frame of a GIF or multi-page TIFF, and decoding the others would let a small file
    // with many frames allocate many full-size images. (2.1 decodes only the default image of an APNG, which is
    // Pillow's frame 0, and refuses animated WebP, which WebpFirstFrame handles.)
    private static readonly Configuration Config = CreateConfiguration();

    /// <summary>
    /// The formats of <see cref="Configuration.Default"/>, in a configuration of our own: <see cref="Configuration.Clone"/>
    /// shares the default's format manager, so replacing a decoder there would change it for the whole process.
    /// </summary>
    private static Configuration CreateConfiguration()
    {
        var configuration = new Configuration(
            new PngConfigurationModule(),
            new JpegConfigurationModule(),
            new GifConfigurationModule(),
            new BmpConfigurationModule(),
            new PbmConfigurationModule(),
            new TgaConfigurationModule(),
            new TiffConfigurationModule(),
            new WebpConfigurationModule());
        configuration.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First });
        configuration.ImageFormatsManager.SetDecoder(TiffFormat.Instance, new TiffDecoder { DecodingMode = FrameDecodingMode.First });
        return configuration;
    }

    public static RgbImage Decode(ReadOnlySpan<byte> data, long maxPixels)
    {
        if (data.IsEmpty)
        {
            throw new InvalidImageException(InvalidImageReason.Empty, "image is empty (0 bytes)");
        }

        // ImageSharp 2.1 has no span overload of Identify, and its span DetectFormat chooses among detectors
        // differently from Load's stream path: one copy of the encoded bytes (small next to the decoded pixels) lets
        // detection, Identify and Load all take the same path.
        byte[] bytes = data.ToArray();

        // Structure first: a truncated file should say so rather than fail somewhere inside the header parser.
        string format = DetectFormat(bytes);
        if (EncodedImageIntegrity.FindTruncation(format, data) is string truncation)
        {
            throw new InvalidImageException(InvalidImageReason.Truncated, $"image data is truncated: {truncation}");
        }

        // ImageSharp 2.1 cannot even identify an animated WebP: its first frame is decoded as a still of its own, and
        // the canvas size is what the pixel limit sees.
        WebpFirstFrame.Frame? webpAnimation =
            string.Equals(format, "Webp", StringComparison.OrdinalIgnoreCase) ? WebpFirstFrame.Find(data) : null;
        (int width, int height) = webpAnimation is { } animation
            ? (animation.CanvasWidth, animation.CanvasHeight)
            : Identify(bytes);
        if (width <= 0 || height <= 0)
        {
            throw new InvalidImageException(InvalidImageReason.ZeroSize, $"image is {width}x{height}: it has no pixels");
        }

        long pixels = (long)width * height;
        if (pixels > maxPixels)
        {
            throw new InvalidImageException(
                InvalidImageReason.TooLarge,
                $"image is {width}x{height} = {FormatCount(pixels)} pixels; the limit is {FormatCount(maxPixels)} pixels");
        }

        try
        {
            if (string.Equals(format, "GIF", StringComparison.OrdinalIgnoreCase) && GifFirstFrame.Read(data, out var transparentColor) && transparentColor is { } color)
            {
                return DecodeGifWithTransparency(bytes, color);
            }

            if (webpAnimation is not null)
            {
                return DecodeWebpFirstFrame(webpAnimation);
            }

            using Image<Rgb24> image = Image.Load<Rgb24>(Config, bytes);
            return OrientedRgb(image);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or InvalidImageException))
        {
            throw new InvalidImageException(InvalidImageReason.Corrupt, $"{format} data cannot be decoded: {FirstLine(e.Message)}", e);
        }
    }

    private static RgbImage OrientedRgb(Image<Rgb24> image)
    {
        image.Mutate(x => x.AutoOrient());
        var rgb = new RgbImage(image.Width, image.Height);
        image.CopyPixelDataTo(rgb.Pixels);
        return rgb;
    }

    /// <summary>Frame 1 on a black canvas, as Pillow gives it (see <see cref="WebpFirstFrame"/>).</summary>
    private static RgbImage DecodeWebpFirstFrame(WebpFirstFrame.Frame animation)
    {
        using Image<Rgb24> frame = Image.Load<Rgb24>(Config, animation.StillWebp);
        if (frame.Width != animation.Width || frame.Height != animation.Height)
        {
            throw new InvalidImageException(
                InvalidImageReason.Corrupt,
                $"WebP animation cannot be read: frame 1 is {animation.Width}x{animation.Height} "
                + $"but its image data is {frame.Width}x{frame.Height}");
        }

        if (frame.Width == animation.CanvasWidth && frame.Height == animation.CanvasHeight)
        {
            return OrientedRgb(frame);
        }

        using var canvas = new Image<Rgb24>(Config, animation.CanvasWidth, animation.CanvasHeight, new Rgb24(0, 0, 0));
        canvas.Metadata.ExifProfile = frame.Metadata.ExifProfile; // orientation applies to the canvas
        frame.ProcessPixelRows(canvas, (source, target) =>
        {
            for (int row = 0; row < source.Height; row++)
            {
                source.GetRowSpan(row).CopyTo(target.GetRowSpan(animation.Y + row)[animation.X..]);
            }
        });
        return OrientedRgb(canvas);
    }

    /// <summary>
    /// ImageSharp leaves a GIF's transparent pixels transparent black; PIL opens the frame as a palette image, and
    /// convert("RGB") gives those pixels the palette colour of the transparent index. Decode with alpha to find them.
    /// </summary>
    private static RgbImage DecodeGifWithTransparency(byte[] data, (byte R, byte G, byte B) transparent)
    {
        using Image<Rgba32> image = Image.Load<Rgba32>(Config, data);
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

    private static string DetectFormat(byte[] data)
    {
        // 2.1 answers null, where later versions throw UnknownImageFormatException.
        if (Image.DetectFormat(Config, data) is IImageFormat format)
        {
            return format.Name;
        }

        string head = Convert.ToHexString(data.AsSpan(0, Math.Min(8, data.Length)));
        throw new InvalidImageException(
            InvalidImageReason.UnknownFormat,
            $"not a supported image format (PNG, JPEG, GIF, WebP, BMP, TIFF, ...); the data starts with 0x{head}");
    }

    private static (int Width, int Height) Identify(byte[] data)
    {
        IImageInfo? info;
        try
        {
            info = Image.Identify(Config, data, out _);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidImageException(InvalidImageReason.Corrupt, $"image header cannot be read: {FirstLine(e.Message)}", e);
        }

        // Null only when no decoder claims the data, which DetectFormat has already ruled out.
        return info is null
            ? throw new InvalidImageException(InvalidImageReason.Corrupt, "image header cannot be read")
            : (info.Width, info.Height);
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
