using FiSAO.Models.Imaging;

namespace FiSAO.Models.Tests.Imaging;

public class PilResamplerTests
{
    // 8x1 RGB source; expected outputs were produced by Pillow 9.4's Image.resize.
    private static readonly byte[] Row8 =
    [
        0, 0, 0, 255, 128, 10, 0, 0, 0, 255, 255, 255, 30, 60, 90, 200, 100, 0, 5, 250, 125, 90, 90, 90,
    ];

    private static readonly byte[] Square2 = [0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 255];

    [Theory]
    [InlineData(PilResampling.Bicubic, new byte[] { 113, 63, 18, 133, 127, 116, 79, 153, 78 })]
    [InlineData(PilResampling.Bilinear, new byte[] { 121, 71, 24, 128, 123, 110, 78, 153, 82 })]
    [InlineData(PilResampling.Lanczos, new byte[] { 111, 63, 20, 136, 130, 116, 77, 150, 75 })]
    public void Downscaling_matches_pillow(PilResampling filter, byte[] expected)
    {
        RgbImage result = PilResampler.Resize(new RgbImage(8, 1, Row8), 3, 1, filter);
        Assert.Equal(expected, result.Pixels);
    }

    [Fact]
    public void Bicubic_upscaling_overshoots_and_clips_like_pillow()
    {
        byte[] expected =
        [
            0, 0, 0, 2, 18, 17, 128, 136, 128, 253, 254, 238, 255, 255, 255,
            128, 0, 0, 128, 9, 17, 128, 64, 128, 128, 119, 238, 128, 128, 255,
            255, 0, 0, 253, 0, 17, 128, 0, 128, 2, 0, 238, 0, 0, 255,
        ];
        Assert.Equal(expected, PilResampler.Resize(new RgbImage(2, 2, Square2), 5, 3, PilResampling.Bicubic).Pixels);
    }

    [Fact]
    public void Nearest_matches_pillow()
    {
        byte[] expected =
        [
            0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255, 255,
            255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255, 0, 0, 255,
            255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255, 0, 0, 255,
        ];
        Assert.Equal(expected, PilResampler.Resize(new RgbImage(2, 2, Square2), 5, 3, PilResampling.Nearest).Pixels);
    }

    [Theory]
    [InlineData(PilResampling.Bicubic, 37, 23)]
    [InlineData(PilResampling.Lanczos, 90, 70)]
    [InlineData(PilResampling.Nearest, 50, 9)]
    [InlineData(PilResampling.Box, 53, 41)] // width unchanged: vertical pass only
    [InlineData(PilResampling.Hamming, 12, 41)] // height unchanged: horizontal pass only
    public void A_region_equals_the_same_pixels_of_the_full_resize(PilResampling filter, int width, int height)
    {
        var random = new Random(width * height);
        var pixels = new byte[53 * 41 * 3];
        random.NextBytes(pixels);
        var source = new RgbImage(53, 41, pixels);
        var region = new PixelRegion(width / 4, height / 3, width / 2, height / 2);

        RgbImage full = PilResampler.Resize(source, width, height, filter);
        RgbImage part = PilResampler.ResizeRegion(source, width, height, filter, region);

        for (int y = 0; y < region.Height; y++)
        {
            Assert.Equal(
                full.Row(region.Top + y).Slice(region.Left * 3, region.Width * 3).ToArray(),
                part.Row(y).ToArray());
        }
    }
}
