using FiSAO.Models.Imaging;

namespace FiSAO.Models.Tests.Imaging;

public class ClipImageProcessorConfigTests
{
    [Fact]
    public void Empty_config_takes_HF_defaults()
    {
        ClipImageProcessorConfig c = ClipImageProcessorConfig.FromJson("{}");

        Assert.True(c.DoResize && c.DoCenterCrop && c.DoRescale && c.DoNormalize && c.DoConvertRgb);
        Assert.Equal(224, c.ShortestEdge);
        Assert.Equal((224, 224), (c.CropHeight, c.CropWidth));
        Assert.Equal(PilResampling.Bicubic, c.Resample);
        Assert.Equal(1.0 / 255, c.RescaleFactor);
        Assert.Equal([0.48145466, 0.4578275, 0.40821073], c.ImageMean);
        Assert.Equal([0.26862954, 0.26130258, 0.27577711], c.ImageStd);
    }

    [Fact]
    public void Openai_clip_vit_base_patch32_style_config_parses()
    {
        const string json = """
            {"crop_size": 224, "do_center_crop": true, "do_normalize": true, "do_resize": true,
             "feature_extractor_type": "CLIPFeatureExtractor", "image_mean": [0.48145466, 0.4578275, 0.40821073],
             "image_std": [0.26862954, 0.26130258, 0.27577711], "resample": 3, "size": 224}
            """;
        Assert.Equal(new ClipImageProcessorConfig(), ClipImageProcessorConfig.FromJson(json) with
        {
            ImageMean = ClipImageProcessorConfig.OpenAiClipMean,
            ImageStd = ClipImageProcessorConfig.OpenAiClipStd,
        });
    }

    [Fact]
    public void Dict_and_list_sizes_parse()
    {
        ClipImageProcessorConfig c = ClipImageProcessorConfig.FromJson(
            """{"size": {"shortest_edge": 336}, "crop_size": {"height": 320, "width": 300}, "resample": 2, "image_mean": 0.5}""");
        Assert.Equal(336, c.ShortestEdge);
        Assert.Equal((320, 300), (c.CropHeight, c.CropWidth));
        Assert.Equal(PilResampling.Bilinear, c.Resample);
        Assert.Equal([0.5, 0.5, 0.5], c.ImageMean);

        c = ClipImageProcessorConfig.FromJson("""{"size": {"height": 100, "width": 50}}""");
        Assert.Equal((null, 100, 50), (c.ShortestEdge, c.ResizeHeight, c.ResizeWidth));
    }

    [Theory]
    [InlineData("{\"size\": {\"longest_edge\": 5}}", "size must contain")]
    [InlineData("{\"crop_size\": \"big\"}", "crop_size")]
    [InlineData("{\"resample\": 9}", "resample 9")]
    [InlineData("{\"image_std\": [1, 0, 1]}", "image_std must not contain 0")]
    [InlineData("{\"image_mean\": [1, 2]}", "image_mean needs 3 values")]
    [InlineData("{\"do_resize\": \"yes\"}", "do_resize must be true or false")]
    [InlineData("[1]", "expected a JSON object")]
    [InlineData("{", "not valid JSON")]
    public void Bad_values_are_rejected_with_the_key(string json, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => ClipImageProcessorConfig.FromJson(json));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Missing_file_names_the_path()
    {
        string dir = Path.Combine(Path.GetTempPath(), "no-such-" + Guid.NewGuid().ToString("N"));
        var e = Assert.Throws<FileNotFoundException>(() => ClipImageProcessorConfig.FromDirectory(dir));
        Assert.Contains("preprocessor_config.json", e.Message);
    }
}
