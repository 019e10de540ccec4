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
        byte[] jpeg = TestImages.CmykJpeg(); // (200, 30, 90) as CMYK; ImageSharp 2.1's encoder cannot write CMYK
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

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Every_exif_orientation_is_applied_like_exif_transpose(int orientation)
    {
        // Lossless PNG (eXIf chunk) with red = x + 10 * y, so each output pixel names its source pixel. The expected
        // source of output pixel (x, y) is PIL's exif_transpose: 2 FLIP_LEFT_RIGHT, 3 ROTATE_180, 4 FLIP_TOP_BOTTOM,
        // 5 TRANSPOSE, 6 ROTATE_270, 7 TRANSVERSE, 8 ROTATE_90 (Pillow 9.4 gives the same on these files).
        const int w = 3, h = 2;
        using Image<Rgb24> image = TestImages.Coordinates(w, h);
        image.Metadata.ExifProfile = new ExifProfile();
        image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)orientation);

        ClipPixelValues v = Raw.PreprocessImage(TestImages.Encode(image, new PngEncoder()));

        bool swapsAxes = orientation >= 5;
        Assert.Equal(swapsAxes ? (w, h) : (h, w), (v.Height, v.Width));
        for (int y = 0; y < v.Height; y++)
        {
            for (int x = 0; x < v.Width; x++)
            {
                (int sx, int sy) = orientation switch
                {
                    1 => (x, y),
                    2 => (w - 1 - x, y),
                    3 => (w - 1 - x, h - 1 - y),
                    4 => (x, h - 1 - y),
                    5 => (y, x),
                    6 => (y, h - 1 - x),
                    7 => (w - 1 - y, h - 1 - x),
                    _ => (w - 1 - y, x),
                };
                Assert.Equal(sx + 10 * sy, Pixel(v, x, y).R);
            }
        }
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
        using (Image all = Image.Load(gif))
        {
            Assert.Equal(2, all.Frames.Count);
        }

        ClipPixelValues v = Raw.PreprocessImage(gif);

        Assert.Equal((255, 0, 0), Pixel(v, 2, 2));
    }

    [Fact]
    public void Animated_webp_uses_the_first_frame_on_a_black_canvas_like_pil()
    {
        // Frame 1 covers only part of the canvas; Pillow draws it onto transparent black without blending (ignoring the
        // ANIM background colour) and keeps the stored colour of transparent pixels. Frame 2 must not show.
        using var first = new Image<Rgba32>(4, 2, new Rgba32(10, 20, 30, 255));
        first[1, 0] = new Rgba32(200, 100, 50, 0);
        first[3, 1] = new Rgba32(7, 8, 9, 128);
        using var second = new Image<Rgba32>(8, 6, new Rgba32(0, 255, 0, 255));
        byte[] webp = TestImages.AnimatedWebp(8, 6, [(2, 4, first), (0, 0, second)]);

        ClipPixelValues v = Raw.PreprocessImage(webp);

        Assert.Equal((6, 8), (v.Height, v.Width));
        Assert.Equal((0, 0, 0), Pixel(v, 0, 0));
        Assert.Equal((0, 0, 0), Pixel(v, 1, 4));
        Assert.Equal((10, 20, 30), Pixel(v, 2, 4));
        Assert.Equal((200, 100, 50), Pixel(v, 3, 4));
        Assert.Equal((7, 8, 9), Pixel(v, 5, 5));
        Assert.Equal((0, 0, 0), Pixel(v, 6, 5));
    }

    [Fact]
    public void Animated_webp_exif_orientation_turns_the_whole_canvas()
    {
        // 6 = rotate 90 clockwise: the 6x4 canvas becomes 4x6 and its top-left corner (where frame 1 sits) goes top-right.
        using var first = new Image<Rgba32>(2, 2, new Rgba32(255, 0, 0, 255));
        var exif = new ExifProfile();
        exif.SetValue(ExifTag.Orientation, (ushort)6);
        byte[] webp = TestImages.AnimatedWebp(6, 4, [(0, 0, first)], exif);

        ClipPixelValues v = Raw.PreprocessImage(webp);

        Assert.Equal((6, 4), (v.Height, v.Width));
        Assert.Equal((255, 0, 0), Pixel(v, 3, 0));
        Assert.Equal((0, 0, 0), Pixel(v, 0, 0));
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
        ClipPixelValues v = Raw.PreprocessImage(TestImages.Encode(image, new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 }));

        Assert.Equal((3, 5), (v.Height, v.Width));
        Assert.Equal((24, 1, 2), Pixel(v, 4, 2));
    }
}
