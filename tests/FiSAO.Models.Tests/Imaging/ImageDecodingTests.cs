using FiSAO.Models.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace FiSAO.Models.Tests.Imaging;

/// <summary>Decoding as HF's load_image does: first frame, EXIF orientation applied, convert("RGB").</summary>
public class ImageDecodingTests
{
    /// <summary>No resize, crop, rescale or normalisation: the output is the decoded RGB pixels as floats.</summary>
    private static readonly ClipImageProcessor Raw = ClipImageProcessor.FromConfig(new ClipImageProcessorConfig
    {
        DoResize = false,
        DoCenterCrop = false,
        DoRescale = false,
        DoNormalize = false,
    });

    private static (int R, int G, int B) Pixel(ClipPixelValues v, int x, int y) =>
        ((int)v[0, y, x], (int)v[1, y, x], (int)v[2, y, x]);

    [Fact]
    public void Palette_png_with_transparency_drops_alpha_without_compositing()
    {
        using var image = new Image<Rgba32>(2, 1);
        image[0, 0] = new Rgba32(200, 100, 50, 0); // fully transparent
        image[1, 0] = new Rgba32(10, 20, 30, 128); // half transparent
        byte[] png = TestImages.Encode(image, new PngEncoder { ColorType = PngColorType.Palette });

        ClipPixelValues v = Raw.PreprocessImage(png);

        // Compositing on white or black would change these; PIL's convert("RGB") keeps the stored colour.
        Assert.Equal((200, 100, 50), Pixel(v, 0, 0));
        Assert.Equal((10, 20, 30), Pixel(v, 1, 0));
    }

    [Fact]
    public void Rgba_png_drops_alpha()
    {
        using var image = new Image<Rgba32>(1, 1, new Rgba32(40, 80, 120, 7));
        ClipPixelValues v = Raw.PreprocessImage(TestImages.Encode(image, new PngEncoder { ColorType = PngColorType.RgbWithAlpha }));
        Assert.Equal((40, 80, 120), Pixel(v, 0, 0));
    }

    [Fact]
    public void Grayscale_png_is_replicated_into_three_channels()
    {
        using var image = new Image<L8>(3, 2, new L8(77));
        ClipPixelValues v = Raw.PreprocessImage(TestImages.Encode(image, new PngEncoder { ColorType = PngColorType.Grayscale }));

        Assert.Equal((2, 3), (v.Height, v.Width));
        Assert.All(v.Data, value => Assert.Equal(77f, value));
    }

    [Fact]
    public void Cmyk_jpeg_decodes_to_its_rgb_colour()
    {
        using Image<Rgb24> image = TestImages.Uniform(16, 16, new Rgb24(200, 30, 90));
        byte[] jpeg = TestImages.Encode(image, new JpegEncoder { ColorType = JpegColorType.Cmyk, Quality = 100 });
        Assert.Equal(JpegColorType.Cmyk, Image.Identify(jpeg).Metadata.GetJpegMetadata().ColorType);

        ClipPixelValues v = Raw.PreprocessImage(jpeg);

        (int r, int g, int b) = Pixel(v, 8, 8);
        Assert.InRange(r, 198, 202);
        Assert.InRange(g, 28, 32);
        Assert.InRange(b, 88, 92);
    }

    [Fact]
    public void Exif_orientation_6_rotates_clockwise_like_exif_transpose()
    {
        // Stored 32x16, red left half, blue right half, tagged "rotate 90 CW to display". PIL's exif_transpose
        // (ROTATE_270) gives 16x32 with the left column on top: red above blue. Counter-clockwise would put blue on top.
        using Image<Rgb24> image = TestImages.SplitVertically(32, 16, new Rgb24(255, 0, 0), new Rgb24(0, 0, 255));
        image.Metadata.ExifProfile = new ExifProfile();
        image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
        byte[] jpeg = TestImages.Encode(image, new JpegEncoder { Quality = 100, ColorType = JpegColorType.YCbCrRatio444 });

        ClipPixelValues v = Raw.PreprocessImage(jpeg);

        Assert.Equal((32, 16), (v.Height, v.Width));
        (int r, _, int b) = Pixel(v, 8, 4);
        Assert.True(r > 200 && b < 50, $"top should be red, got r={r} b={b}");
        (r, _, b) = Pixel(v, 8, 28);
        Assert.True(b > 200 && r < 50, $"bottom should be blue, got r={r} b={b}");
    }

    [Fact]
    public void Lossless_webp_decodes_exactly()
    {
        using Image<Rgb24> image = TestImages.SplitVertically(4, 2, new Rgb24(1, 2, 3), new Rgb24(250, 128, 7));
        ClipPixelValues v = Raw.PreprocessImage(TestImages.Encode(image, new WebpEncoder { FileFormat = WebpFileFormatType.Lossless }));

        Assert.Equal((1, 2, 3), Pixel(v, 0, 1));
        Assert.Equal((250, 128, 7), Pixel(v, 3, 0));
    }

    [Fact]
    public void Multi_frame_gif_uses_the_first_frame()
    {
        using Image<Rgb24> image = TestImages.Uniform(4, 4, new Rgb24(255, 0, 0));
        using Image<Rgb24> second = TestImages.Uniform(4, 4, new Rgb24(0, 255, 0));
        image.Frames.AddFrame(second.Frames.RootFrame);
        byte[] gif = TestImages.Encode(image, new GifEncoder());
        Assert.Equal(2, Image.Identify(gif).FrameMetadataCollection.Count);

        ClipPixelValues v = Raw.PreprocessImage(gif);

        Assert.Equal((255, 0, 0), Pixel(v, 2, 2));
    }

    [Fact]
    public void Gif_transparent_pixels_take_the_palette_colour_like_pil()
    {
        ClipPixelValues v = Raw.PreprocessImage(TestImages.GifWithColouredTransparentIndex());

        Assert.Equal((200, 100, 50), Pixel(v, 0, 0)); // transparent index 0
        Assert.Equal((10, 20, 30), Pixel(v, 1, 0));
    }

    [Fact]
    public void Bmp_decodes_exactly()
    {
        using Image<Rgb24> image = TestImages.Coordinates(5, 3);
        ClipPixelValues v = Raw.PreprocessImage(TestImages.Encode(image, new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Bit24 }));

        Assert.Equal((3, 5), (v.Height, v.Width));
        Assert.Equal((24, 1, 2), Pixel(v, 4, 2));
    }
}
