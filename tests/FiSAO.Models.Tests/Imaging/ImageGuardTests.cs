using FiSAO.Models.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace FiSAO.Models.Tests.Imaging;

/// <summary>Untrusted bytes fail with <see cref="InvalidImageException"/> and a message that names the problem.</summary>
public class ImageGuardTests
{
    private static readonly ClipImageProcessor Clip = ClipImageProcessor.FromConfig(new ClipImageProcessorConfig());

    private static InvalidImageException Refused(byte[] data, ClipImageProcessor? processor = null) =>
        Assert.Throws<InvalidImageException>(() => (processor ?? Clip).PreprocessImage(data));

    private static byte[] NoisyImage(int width, int height, Func<Image<Rgb24>, byte[]> encode)
    {
        var random = new Random(42);
        using var image = new Image<Rgb24>(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                image[x, y] = new Rgb24((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
            }
        }

        return encode(image);
    }

    [Fact]
    public void Header_over_the_pixel_limit_is_refused_before_decoding()
    {
        // The file has no pixel data at all: decoding would fail differently, so TooLarge proves the header check ran first.
        InvalidImageException e = Refused(TestImages.PngHeaderOnly(40000, 40000));

        Assert.Equal(InvalidImageReason.TooLarge, e.Reason);
        Assert.Equal("image is 40000x40000 = 1.6 G pixels; the limit is 50 M pixels", e.Message);
    }

    [Fact]
    public void Pixel_limit_is_configurable()
    {
        var strict = ClipImageProcessor.FromConfig(new ClipImageProcessorConfig { MaxPixels = 100 });
        byte[] png = TestImages.Encode(TestImages.Uniform(11, 10, new Rgb24(1, 1, 1)), new PngEncoder());

        Assert.Equal("image is 11x10 = 110 pixels; the limit is 100 pixels", Refused(png, strict).Message);
        // The same limit admits a 10x10 image.
        byte[] fits = TestImages.Encode(TestImages.Uniform(10, 10, new Rgb24(1, 1, 1)), new PngEncoder());
        Assert.Equal(224, strict.PreprocessImage(fits).Height);
    }

    [Fact]
    public void Zero_size_header_is_refused()
    {
        InvalidImageException e = Refused(TestImages.PngHeaderOnly(0, 7));

        Assert.Equal(InvalidImageReason.ZeroSize, e.Reason);
        Assert.Equal("image is 0x7: it has no pixels", e.Message);
    }

    [Fact]
    public void Truncated_png_is_refused_as_truncated()
    {
        byte[] png = NoisyImage(64, 64, i => TestImages.Encode(i, new PngEncoder()));

        InvalidImageException e = Refused(png[..(png.Length / 2)]);

        Assert.Equal(InvalidImageReason.Truncated, e.Reason);
        Assert.StartsWith("image data is truncated: PNG", e.Message);
    }

    [Fact]
    public void Png_cut_at_a_chunk_boundary_is_refused_as_truncated()
    {
        // Dropping only the 12-byte IEND leaves every remaining chunk intact.
        byte[] png = NoisyImage(16, 16, i => TestImages.Encode(i, new PngEncoder()));
        Assert.Equal(InvalidImageReason.Truncated, Refused(png[..^12]).Reason);
    }

    [Fact]
    public void Truncated_jpeg_is_refused_although_the_decoder_would_fill_it()
    {
        byte[] jpeg = NoisyImage(64, 64, i => TestImages.Encode(i, new JpegEncoder()));
        Clip.PreprocessImage(jpeg); // the whole file is fine

        InvalidImageException e = Refused(jpeg[..(jpeg.Length * 3 / 4)]);

        Assert.Equal(InvalidImageReason.Truncated, e.Reason);
        Assert.Contains("JPEG", e.Message);
    }

    [Fact]
    public void Truncated_webp_is_refused()
    {
        byte[] webp = NoisyImage(32, 32, i => TestImages.Encode(i, new WebpEncoder()));
        Assert.Equal(InvalidImageReason.Truncated, Refused(webp[..(webp.Length - 10)]).Reason);
    }

    [Fact]
    public void Truncated_gif_is_refused()
    {
        byte[] gif = NoisyImage(32, 32, i => TestImages.Encode(i, new GifEncoder()));
        Assert.Equal(InvalidImageReason.Truncated, Refused(gif[..(gif.Length / 2)]).Reason);
    }

    [Fact]
    public void Animated_webp_canvas_counts_against_the_pixel_limit()
    {
        using var frame = new Image<Rgba32>(1, 1, new Rgba32(1, 2, 3, 255));
        InvalidImageException e = Refused(TestImages.AnimatedWebp(10000, 6000, [(0, 0, frame)]));

        Assert.Equal(InvalidImageReason.TooLarge, e.Reason);
        Assert.Equal("image is 10000x6000 = 60 M pixels; the limit is 50 M pixels", e.Message);
    }

    [Fact]
    public void Animated_webp_frame_outside_its_canvas_is_corrupt()
    {
        using var frame = new Image<Rgba32>(4, 4, new Rgba32(1, 2, 3, 255));
        InvalidImageException e = Refused(TestImages.AnimatedWebp(4, 4, [(2, 0, frame)]));

        Assert.Equal(InvalidImageReason.Corrupt, e.Reason);
        Assert.StartsWith("WebP animation cannot be read: frame 1 (4x4 at 2,0) does not fit the 4x4 canvas", e.Message);
    }

    [Fact]
    public void Header_that_parses_but_has_no_pixel_data_is_corrupt()
    {
        InvalidImageException e = Refused(TestImages.PngHeaderOnly(5, 7));
        Assert.Equal(InvalidImageReason.Corrupt, e.Reason);
        Assert.StartsWith("PNG data cannot be decoded", e.Message);
    }

    [Fact]
    public void Random_bytes_are_an_unknown_format()
    {
        var data = new byte[512];
        new Random(7).NextBytes(data);
        data[0] = 0x3F;

        InvalidImageException e = Refused(data);

        Assert.Equal(InvalidImageReason.UnknownFormat, e.Reason);
        Assert.StartsWith("not a supported image format", e.Message);
        Assert.Contains("0x3F", e.Message);
    }

    [Fact]
    public void Empty_input_is_refused()
    {
        Assert.Equal("image is empty (0 bytes)", Refused([]).Message);
    }

    [Fact]
    public void Batch_error_names_the_first_bad_image()
    {
        byte[] good = TestImages.Encode(TestImages.Uniform(4, 4, new Rgb24(1, 2, 3)), new PngEncoder());
        ReadOnlyMemory<byte>[] batch = [good, good, new byte[] { 1, 2, 3 }, Array.Empty<byte>()];

        var e = Assert.Throws<InvalidImageException>(() => Clip.Preprocess(batch).Dispose());

        Assert.Equal(2, e.ImageIndex);
        Assert.StartsWith("image 2: not a supported image format", e.Message);
    }
}
