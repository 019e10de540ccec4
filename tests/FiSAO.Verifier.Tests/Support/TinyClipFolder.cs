using FiSAO.Models.Clip;
using FiSAO.Models.Imaging;
using TorchSharp;

namespace FiSAO.Verifier.Tests.Support;

/// <summary>
/// A complete, tiny HF CLIP folder with random weights (config.json, model.safetensors, a byte-level vocab.json +
/// merges.txt, preprocessor_config.json). The verifier loads it through the same path as a real CLIP.
/// </summary>
public static class TinyClipFolder
{
    public const int ImageSize = 32;
    public const int ProjectionDim = 16;

    public static ClipConfig Config => new()
    {
        ProjectionDim = ProjectionDim,
        TextConfig = new ClipTextConfig
        {
            VocabSize = 514, HiddenSize = 32, IntermediateSize = 64, NumHiddenLayers = 2, NumAttentionHeads = 4,
            BosTokenId = 512, EosTokenId = 513, PadTokenId = 513, ProjectionDim = ProjectionDim,
        },
        VisionConfig = new ClipVisionConfig
        {
            HiddenSize = 32, IntermediateSize = 64, NumHiddenLayers = 2, NumAttentionHeads = 4,
            ImageSize = ImageSize, PatchSize = 8, ProjectionDim = ProjectionDim,
        },
    };

    public static string Write(string directory, int seed = 7)
    {
        torch.manual_seed(seed);
        using var model = new ClipModel(Config);
        ClipCheckpointWriter.Save(model, directory,
            new ClipImageProcessorConfig { ShortestEdge = ImageSize, CropHeight = ImageSize, CropWidth = ImageSize });
        ClipCheckpointWriter.SaveByteLevelTokenizer(directory);
        return directory;
    }
}
