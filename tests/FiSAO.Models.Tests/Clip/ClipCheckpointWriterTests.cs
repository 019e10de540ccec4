using FiSAO.Models.Clip;
using FiSAO.Models.Imaging;
using FiSAO.Models.Tests.Support;
using TorchSharp;

namespace FiSAO.Models.Tests.Clip;

public class ClipCheckpointWriterTests
{
    [Fact]
    public void A_saved_model_loads_back_strictly_with_the_same_config_tokenizer_preprocessing_and_outputs()
    {
        using var dir = new TempDirectory();
        var config = new ClipConfig
        {
            ProjectionDim = 8,
            TextConfig = new ClipTextConfig { VocabSize = 514, HiddenSize = 16, IntermediateSize = 24, NumHiddenLayers = 1, NumAttentionHeads = 2, BosTokenId = 512, EosTokenId = 513, PadTokenId = 513 },
            VisionConfig = new ClipVisionConfig { HiddenSize = 16, IntermediateSize = 24, NumHiddenLayers = 1, NumAttentionHeads = 2, ImageSize = 16, PatchSize = 8, HiddenAct = "gelu" },
        };
        torch.manual_seed(3);
        using var original = new ClipModel(config);
        var preprocessing = new ClipImageProcessorConfig { ShortestEdge = 16, CropHeight = 16, CropWidth = 16 };
        ClipCheckpointWriter.Save(original, dir.Path, preprocessing);
        ClipCheckpointWriter.SaveByteLevelTokenizer(dir.Path);

        using var loaded = ClipModel.FromPretrained(dir.Path);
        Assert.Equal(config, loaded.Config with { });
        var reread = ClipImageProcessorConfig.FromDirectory(dir.Path);
        Assert.Equal(preprocessing.ImageMean, reread.ImageMean);
        Assert.Equal(preprocessing.ImageStd, reread.ImageStd);
        Assert.Equal(preprocessing, reread with { ImageMean = preprocessing.ImageMean, ImageStd = preprocessing.ImageStd });
        var tokenizer = ClipTokenizer.FromDirectory(dir.Path);
        var ids = tokenizer.Encode("a dog");
        Assert.Equal([512, 256 + 'a', 'd', 'o', 256 + 'g', 513], ids);

        using var pixels = torch.randn(2, 3, 16, 16);
        using var idsTensor = torch.tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]);
        Assert.True(TensorAssert.Same(original.GetImageFeatures(pixels), loaded.GetImageFeatures(pixels)));
        Assert.True(TensorAssert.Same(original.GetTextFeatures(idsTensor), loaded.GetTextFeatures(idsTensor)));
        Assert.Equal(original.LogitScale, loaded.LogitScale);
    }
}
