using FiSAO.Models.Tests.Clip.Support;

namespace FiSAO.Models.Tests.Llava.Support;

/// <summary>Test-side description of a LLaMA decoder, independent of the library's config classes.</summary>
public sealed record LlamaSpec(
    int VocabSize, int HiddenSize, int IntermediateSize, int Layers, int Heads, int KvHeads, int HeadDim,
    int MaxPositions, double RmsNormEps, double RopeTheta, int BosId = 1, int EosId = 2);

/// <summary>Test-side LLaVA: a LLaMA text model, a CLIP vision tower, the image token and feature selection.</summary>
public sealed record LlavaSpec(LlamaSpec Text, VisionSpec Vision, int ImageTokenId, int PadId, int FeatureLayer = -2, bool DropCls = true)
{
    /// <summary>Features (= placeholder tokens) per image.</summary>
    public int ImageSeqLength => Vision.Grid * Vision.Grid + (DropCls ? 0 : 1);

    /// <summary>
    /// Tiny but uneven: GQA (4 query heads over 2 key/value heads), intermediate not a multiple of hidden, vision and
    /// text widths differ. The vocabulary is the tiny tokenizer's (its pieces + &lt;image&gt; + &lt;pad&gt;) padded by 6 rows
    /// as llava-hf pads 32002 to 32064.
    /// </summary>
    public static LlavaSpec Tiny(int tokenizerCount) => new(
        new LlamaSpec(VocabSize: tokenizerCount + 6, HiddenSize: 32, IntermediateSize: 44, Layers: 2, Heads: 4, KvHeads: 2, HeadDim: 8,
            MaxPositions: 256, RmsNormEps: 1e-5, RopeTheta: 10000.0),
        ClipSpec.Tiny().Vision,
        ImageTokenId: tokenizerCount - 2,
        PadId: tokenizerCount - 1);
}
