using FiSAO.Models.Clip;
using FiSAO.Models.Imaging;

namespace FiSAO.ShapesWorld.Training;

/// <summary>Model sizes for the shapes CLIP.</summary>
public enum ShapesClipSize
{
    /// <summary>For tests: trains in seconds, still clearly above chance.</summary>
    Tiny,

    /// <summary>The built-in verifier model: ViT 96 px / patch 16 (36 patches), width 96, 3 layers; text width 64, 2 layers;
    /// joint space 64. About 2 minutes of training on two CPU cores with the default options.</summary>
    Default,
}

/// <summary>HF CLIP configs of the shapes CLIP, and its image preprocessing.</summary>
public static class ShapesClipConfig
{
    /// <summary>A CLIP config for the world's tokenizer (<paramref name="vocabSize"/> ids, BOS and EOS the last two).</summary>
    public static ClipConfig Create(ShapesClipSize size, int vocabSize, int imageSize = 96, int maxTextLength = Text.WorldTokenizer.DefaultModelMaxLength)
    {
        var (vision, text, projection) = size switch
        {
            ShapesClipSize.Tiny => (
                new ClipVisionConfig { HiddenSize = 64, IntermediateSize = 256, NumHiddenLayers = 2, NumAttentionHeads = 2, PatchSize = 16 },
                new ClipTextConfig { HiddenSize = 64, IntermediateSize = 128, NumHiddenLayers = 1, NumAttentionHeads = 2 },
                64),
            _ => (
                new ClipVisionConfig { HiddenSize = 96, IntermediateSize = 384, NumHiddenLayers = 3, NumAttentionHeads = 4, PatchSize = 16 },
                new ClipTextConfig { HiddenSize = 64, IntermediateSize = 256, NumHiddenLayers = 2, NumAttentionHeads = 4 },
                64),
        };
        return new ClipConfig
        {
            ProjectionDim = projection,
            LogitScaleInitValue = 2.6592,
            VisionConfig = vision with { ImageSize = imageSize, ProjectionDim = projection, HiddenAct = ClipActivation.QuickGelu },
            TextConfig = text with
            {
                VocabSize = vocabSize,
                ProjectionDim = projection,
                MaxPositionEmbeddings = maxTextLength,
                BosTokenId = vocabSize - 2,
                EosTokenId = vocabSize - 1,
                PadTokenId = vocabSize - 1,
                HiddenAct = ClipActivation.QuickGelu,
            },
        };
    }

    /// <summary>
    /// CLIPImageProcessor settings for scenes of <paramref name="imageSize"/> px: resize/crop to the same size (a no-op on
    /// the world's own images), OpenAI mean and std.
    /// </summary>
    public static ClipImageProcessorConfig Preprocessing(int imageSize) =>
        new() { ShortestEdge = imageSize, CropHeight = imageSize, CropWidth = imageSize };
}
