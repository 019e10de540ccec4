using System.Runtime.ExceptionServices;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Imaging;

/// <summary>
/// HF <c>CLIPImageProcessor</c> on encoded image bytes: decode (first frame, EXIF orientation, RGB), resize the
/// shortest edge with PIL's filter and HF's size rule, centre crop (zero-padding a too-small image), rescale,
/// normalise per channel, channel-first float32.
/// </summary>
/// <remarks>
/// Numerics follow HF's numpy code: resize in 8 bits through PIL (<see cref="PilResampler"/>, bit-exact with Pillow),
/// <c>float32(float64(pixel) * rescale_factor)</c>, then <c>(x - float32(mean)) / float32(std)</c> in float32.
/// Thread-safe; a batch is decoded in parallel.
/// </remarks>
public sealed class ClipImageProcessor
{
    // Output value for each (channel, 8-bit input): every pixel goes through the same float32 arithmetic, so a table
    // gives identical numbers to computing them per pixel.
    private readonly float[][] _lookup;

    public ClipImageProcessor(ClipImageProcessorConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        _lookup = Enumerable.Range(0, 3).Select(c => Enumerable.Range(0, 256).Select(v => Transform((byte)v, c)).ToArray()).ToArray();
    }

    public ClipImageProcessorConfig Config { get; }

    /// <summary>How many images of a batch are decoded at once; defaults to the processor count.</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Reads <c>preprocessor_config.json</c> from an HF model folder.</summary>
    public static ClipImageProcessor FromDirectory(string directory) => new(ClipImageProcessorConfig.FromDirectory(directory));

    public static ClipImageProcessor FromConfig(ClipImageProcessorConfig config) => new(config);

    /// <summary>
    /// Preprocesses a batch into HF's <c>pixel_values</c>: a float32 tensor <c>[B, 3, H, W]</c> the caller owns.
    /// </summary>
    /// <exception cref="InvalidImageException">An image is empty, unknown, truncated, corrupt, or over the pixel limit;
    /// <see cref="InvalidImageException.ImageIndex"/> tells which (the first, when several are bad).</exception>
    public Tensor Preprocess(IReadOnlyList<ReadOnlyMemory<byte>> images, Device? device = null)
    {
        float[] data = PreprocessToArray(images, out int height, out int width);
        return torch.tensor(data, new long[] { images.Count, 3, height, width }, ScalarType.Float32, device);
    }

    /// <summary>The batch as a flat row-major <c>[B, 3, H, W]</c> array.</summary>
    /// <inheritdoc cref="Preprocess" path="/exception"/>
    public float[] PreprocessToArray(IReadOnlyList<ReadOnlyMemory<byte>> images, out int height, out int width)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
        {
            throw new ArgumentException("An image batch needs at least one image.", nameof(images));
        }

        var results = new ClipPixelValues[images.Count];
        var failures = new ExceptionDispatchInfo?[images.Count];
        Parallel.For(0, images.Count, new ParallelOptions { MaxDegreeOfParallelism = MaxDegreeOfParallelism }, i =>
        {
            try
            {
                results[i] = PreprocessImage(images[i].Span);
            }
            catch (InvalidImageException e)
            {
                failures[i] = ExceptionDispatchInfo.Capture(e.WithIndex(i));
            }
            catch (Exception e)
            {
                failures[i] = ExceptionDispatchInfo.Capture(e);
            }
        });

        foreach (ExceptionDispatchInfo? failure in failures)
        {
            failure?.Throw();
        }

        height = results[0].Height;
        width = results[0].Width;
        int imageSize = 3 * height * width;
        var batch = new float[images.Count * imageSize];
        for (int i = 0; i < results.Length; i++)
        {
            if (results[i].Height != height || results[i].Width != width)
            {
                throw new InvalidOperationException(
                    $"Images 0 and {i} preprocess to {height}x{width} and {results[i].Height}x{results[i].Width}; "
                    + "only a configuration with a centre crop or a fixed size gives a stackable batch.");
            }

            results[i].Data.CopyTo(batch, i * imageSize);
        }

        return batch;
    }

    /// <summary>Preprocesses one encoded image.</summary>
    /// <inheritdoc cref="Preprocess" path="/exception"/>
    public ClipPixelValues PreprocessImage(ReadOnlySpan<byte> encoded) => Process(ImageDecoder.Decode(encoded, Config.MaxPixels));

    /// <summary>(height, width) after resizing, before cropping: HF's <c>get_resize_output_image_size</c>.</summary>
    public (int Height, int Width) ResizedSize(int height, int width)
    {
        if (!Config.DoResize)
        {
            return (height, width);
        }

        if (Config.ShortestEdge is not int edge)
        {
            return (Config.ResizeHeight!.Value, Config.ResizeWidth!.Value);
        }

        // short, long = sorted; new_long = int(size * long / short), Python true division then truncation.
        bool portrait = width <= height;
        (long shortSide, long longSide) = portrait ? (width, height) : (height, width);
        double scaled = (double)(edge * longSide) / shortSide;
        int newLong = scaled >= int.MaxValue ? int.MaxValue : (int)scaled;
        return portrait ? (newLong, edge) : (edge, newLong);
    }

    internal ClipPixelValues Process(RgbImage image)
    {
        (int resizedHeight, int resizedWidth) = ResizedSize(image.Height, image.Width);
        int outHeight = Config.DoCenterCrop ? Config.CropHeight : resizedHeight;
        int outWidth = Config.DoCenterCrop ? Config.CropWidth : resizedWidth;
        if (!Config.DoCenterCrop && (long)outHeight * outWidth > Config.MaxPixels)
        {
            throw new InvalidImageException(
                InvalidImageReason.TooLarge,
                $"image of {image.Width}x{image.Height} would be resized to {resizedWidth}x{resizedHeight}, over the limit of {ImageDecoder.FormatCount(Config.MaxPixels)} pixels");
        }

        // HF center_crop: top = (h - crop_h) // 2 (floor), and a crop reaching outside the image reads zeros.
        int top = Config.DoCenterCrop ? FloorHalf(resizedHeight - outHeight) : 0;
        int left = Config.DoCenterCrop ? FloorHalf(resizedWidth - outWidth) : 0;
        int y0 = Math.Max(top, 0), y1 = Math.Min(top + outHeight, resizedHeight);
        int x0 = Math.Max(left, 0), x1 = Math.Min(left + outWidth, resizedWidth);
        var visible = new PixelRegion(x0, y0, x1 - x0, y1 - y0);

        // Only the part of the resized image that survives the crop is computed (identical pixels, bounded cost).
        RgbImage pixels = PilResampler.ResizeRegion(image, resizedWidth, resizedHeight, Config.Resample, visible);

        var data = new float[3 * outHeight * outWidth];
        int plane = outHeight * outWidth;
        for (int c = 0; c < 3; c++)
        {
            data.AsSpan(c * plane, plane).Fill(_lookup[c][0]); // HF pads with 0 before rescaling and normalising
        }

        for (int y = 0; y < visible.Height; y++)
        {
            ReadOnlySpan<byte> row = pixels.Row(y);
            int outY = y + y0 - top;
            for (int c = 0; c < 3; c++)
            {
                float[] lookup = _lookup[c];
                Span<float> outRow = data.AsSpan(c * plane + outY * outWidth + (x0 - left), visible.Width);
                for (int x = 0; x < outRow.Length; x++)
                {
                    outRow[x] = lookup[row[3 * x + c]];
                }
            }
        }

        return new ClipPixelValues(data, outHeight, outWidth);
    }

    private float Transform(byte value, int channel)
    {
        float x = Config.DoRescale ? (float)(value * Config.RescaleFactor) : value;
        return Config.DoNormalize ? (x - (float)Config.ImageMean[channel]) / (float)Config.ImageStd[channel] : x;
    }

    private static int FloorHalf(int n) => n >= 0 ? n / 2 : -((-n + 1) / 2);
}
