using FiSAO.Models.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;

namespace FiSAO.Models.Tests.Imaging;

public class ClipImageProcessorTests
{
    private static readonly ClipImageProcessor Clip = ClipImageProcessor.FromConfig(new ClipImageProcessorConfig());

    private static byte[] Png(Image<Rgb24> image) => TestImages.Encode(image, new PngEncoder());

    /// <summary>HF: float32(float64(v) * (1/255)), then (x - float32(mean)) / float32(std) in float32.</summary>
    private static float Expected(byte value, int channel)
    {
        float x = (float)(value * (1.0 / 255));
        return (x - (float)ClipImageProcessorConfig.OpenAiClipMean[channel]) / (float)ClipImageProcessorConfig.OpenAiClipStd[channel];
    }

    [Fact]
    public void Uniform_image_gives_the_exact_normalised_colour_everywhere()
    {
        using Image<Rgb24> image = TestImages.Uniform(50, 30, new Rgb24(200, 100, 50));
        ClipPixelValues v = Clip.PreprocessImage(Png(image));

        Assert.Equal((224, 224), (v.Height, v.Width));
        byte[] rgb = [200, 100, 50];
        for (int c = 0; c < 3; c++)
        {
            float expected = Expected(rgb[c], c);
            for (int i = c * 224 * 224; i < (c + 1) * 224 * 224; i++)
            {
                Assert.Equal(expected, v.Data[i]);
            }
        }

        // The closed form, as a sanity check on the constants: (200/255 - 0.48145466) / 0.26862954.
        Assert.Equal(1.1274, v[0, 0, 0], 4);
    }

    [Fact]
    public void One_pixel_image_is_upscaled_to_the_crop()
    {
        using Image<Rgb24> image = TestImages.Uniform(1, 1, new Rgb24(9, 99, 199));
        ClipPixelValues v = Clip.PreprocessImage(Png(image));

        Assert.Equal((224, 224), (v.Height, v.Width));
        Assert.Equal(Expected(99, 1), v[1, 223, 0]);
    }

    [Theory]
    [InlineData(640, 480, 224, 298)] // int(224 * 640 / 480) = 298
    [InlineData(480, 640, 298, 224)]
    [InlineData(4000, 20, 224, 44800)]
    [InlineData(224, 224, 224, 224)]
    [InlineData(1, 1, 224, 224)]
    [InlineData(300, 301, 224, 224)] // int(224 * 301 / 300) = 224
    public void Shortest_edge_resize_follows_HF_rounding(int width, int height, int expectedHeight, int expectedWidth)
    {
        Assert.Equal((expectedHeight, expectedWidth), Clip.ResizedSize(height, width));
    }

    [Fact]
    public void Without_a_crop_non_square_images_keep_their_aspect()
    {
        var processor = ClipImageProcessor.FromConfig(new ClipImageProcessorConfig { DoCenterCrop = false });
        using Image<Rgb24> image = TestImages.Uniform(640, 480, new Rgb24(1, 2, 3));
        ClipPixelValues v = processor.PreprocessImage(Png(image));

        Assert.Equal((224, 298), (v.Height, v.Width));
    }

    [Fact]
    public void Wide_strip_is_resized_then_centre_cropped()
    {
        // 4000x20 becomes 44800x224 and the crop is its middle: 112 resized pixels (10 source pixels, beyond the
        // bicubic kernel) either side of the red/blue boundary, so the crop's edges are exactly red and blue.
        using Image<Rgb24> image = TestImages.SplitVertically(4000, 20, new Rgb24(255, 0, 0), new Rgb24(0, 0, 255));
        ClipPixelValues v = Clip.PreprocessImage(Png(image));

        Assert.Equal((224, 224), (v.Height, v.Width));
        Assert.Equal(Expected(255, 0), v[0, 100, 0]);
        Assert.Equal(Expected(0, 2), v[2, 100, 0]);
        Assert.Equal(Expected(0, 0), v[0, 100, 223]);
        Assert.Equal(Expected(255, 2), v[2, 100, 223]);
    }

    [Theory]
    [InlineData(7, 5, 3, 3, 1, 2)] // top = (5 - 3) // 2, left = (7 - 3) // 2
    [InlineData(6, 4, 3, 3, 0, 1)] // odd remainders round down
    [InlineData(8, 8, 2, 4, 3, 2)]
    public void Centre_crop_uses_HF_offsets(int width, int height, int cropHeight, int cropWidth, int top, int left)
    {
        var processor = ClipImageProcessor.FromConfig(new ClipImageProcessorConfig
        {
            DoResize = false, CropHeight = cropHeight, CropWidth = cropWidth, DoRescale = false, DoNormalize = false,
        });
        using Image<Rgb24> image = TestImages.Coordinates(width, height);
        ClipPixelValues v = processor.PreprocessImage(Png(image));

        Assert.Equal((cropHeight, cropWidth), (v.Height, v.Width));
        for (int y = 0; y < cropHeight; y++)
        {
            for (int x = 0; x < cropWidth; x++)
            {
                Assert.Equal(x + left + 10 * (y + top), v[0, y, x]);
            }
        }
    }

    [Fact]
    public void Crop_larger_than_the_image_pads_with_zero_before_normalising()
    {
        // 2x2 into 5 rows x 4 columns: top = (2 - 5) // 2 = -2, left = (2 - 4) // 2 = -1.
        var processor = ClipImageProcessor.FromConfig(new ClipImageProcessorConfig { DoResize = false, CropHeight = 5, CropWidth = 4 });
        using Image<Rgb24> image = TestImages.Coordinates(2, 2);
        ClipPixelValues v = processor.PreprocessImage(Png(image));

        Assert.Equal((5, 4), (v.Height, v.Width));
        for (int y = 0; y < 5; y++)
        {
            for (int x = 0; x < 4; x++)
            {
                bool inside = y is 2 or 3 && x is 1 or 2;
                byte red = inside ? (byte)(x - 1 + 10 * (y - 2)) : (byte)0;
                Assert.Equal(Expected(red, 0), v[0, y, x]);
            }
        }
    }

    [Fact]
    public void Batch_becomes_a_float32_tensor_whose_slices_equal_single_images()
    {
        using Image<Rgb24> a = TestImages.Coordinates(40, 30);
        using Image<Rgb24> b = TestImages.SplitVertically(30, 90, new Rgb24(10, 200, 30), new Rgb24(90, 0, 250));
        byte[][] encoded = [Png(a), Png(b), Png(a)];

        using torch.Tensor batch = Clip.Preprocess(encoded.Select(e => (ReadOnlyMemory<byte>)e).ToArray());

        Assert.Equal([3L, 3L, 224L, 224L], batch.shape);
        Assert.Equal(torch.ScalarType.Float32, batch.dtype);
        float[] all = batch.data<float>().ToArray();
        for (int i = 0; i < encoded.Length; i++)
        {
            Assert.Equal(Clip.PreprocessImage(encoded[i]).Data, all[(i * 3 * 224 * 224)..((i + 1) * 3 * 224 * 224)]);
        }
    }

    [Fact]
    public void Config_loads_from_a_model_folder()
    {
        string dir = Path.Combine(Path.GetTempPath(), "fisao-clipimg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "preprocessor_config.json"), "{\"size\": 336, \"crop_size\": 336}");
            ClipImageProcessor processor = ClipImageProcessor.FromDirectory(dir);
            using Image<Rgb24> image = TestImages.Uniform(10, 20, new Rgb24(0, 0, 0));

            Assert.Equal((336, 336), (processor.PreprocessImage(Png(image)).Height, processor.PreprocessImage(Png(image)).Width));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
