namespace FiSAO.Models.Tests.Clip.Support;

/// <summary>Test-side description of a CLIP architecture, independent of the library's config classes.</summary>
public sealed record TextSpec(
    int VocabSize, int HiddenSize, int IntermediateSize, int Layers, int Heads, int MaxPositions,
    string Activation, double LayerNormEps, int EosTokenId);

public sealed record VisionSpec(
    int HiddenSize, int IntermediateSize, int Layers, int Heads, int Channels, int ImageSize, int PatchSize,
    string Activation, double LayerNormEps)
{
    public int Grid => ImageSize / PatchSize;
    public int Positions => Grid * Grid + 1;
}

public sealed record ClipSpec(TextSpec Text, VisionSpec Vision, int ProjectionDim)
{
    /// <summary>Tiny but uneven sizes (intermediate not a multiple of hidden, different text/vision widths) to catch transposes.</summary>
    public static ClipSpec Tiny(string activation = "quick_gelu", int eosTokenId = 2) => new(
        new TextSpec(VocabSize: 99, HiddenSize: 32, IntermediateSize: 37, Layers: 2, Heads: 4, MaxPositions: 16,
            Activation: activation, LayerNormEps: 1e-5, EosTokenId: eosTokenId),
        new VisionSpec(HiddenSize: 24, IntermediateSize: 40, Layers: 3, Heads: 3, Channels: 3, ImageSize: 20, PatchSize: 5,
            Activation: activation, LayerNormEps: 1e-5),
        ProjectionDim: 12);

    /// <summary>openai/clip-vit-large-patch14-336 (ViT-L/14 at 336 px, 12-layer 768-wide text tower, 768-d joint space).</summary>
    public static ClipSpec VitLargePatch14At336 => new(
        new TextSpec(49408, 768, 3072, 12, 12, 77, "quick_gelu", 1e-5, 2),
        new VisionSpec(1024, 4096, 24, 16, 3, 336, 14, "quick_gelu", 1e-5),
        ProjectionDim: 768);
}
