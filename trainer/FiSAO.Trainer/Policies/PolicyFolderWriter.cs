using FiSAO.Models.Checkpoints;
using FiSAO.Models.Clip;
using FiSAO.Models.Imaging;
using FiSAO.Models.Llama;
using FiSAO.Models.Llava;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace FiSAO.Trainer.Policies;

/// <summary>The shape of a small LLaVA-style policy (the decoder; the vision tower is a CLIP folder's or random).</summary>
public sealed record PolicySpec
{
    public int HiddenSize { get; init; } = 64;
    public int IntermediateSize { get; init; } = 128;
    public int Layers { get; init; } = 2;
    public int Heads { get; init; } = 4;

    /// <summary>Grouped-query attention: fewer key/value heads than query heads.</summary>
    public int KeyValueHeads { get; init; } = 2;

    public int MaxPositions { get; init; } = 512;
    public long Seed { get; init; } = 1;

    /// <summary>Which tower layer feeds the projector: LLaVA-1.5's -2 (penultimate). A tower of one or two layers has
    /// little before its last layer (-2 of a 1-layer tower is the patch embedding itself), so small towers may use -1.</summary>
    public int VisionFeatureLayer { get; init; } = -2;

    /// <summary>Vision tower of a random policy (ignored when a CLIP folder is given).</summary>
    public ClipVisionConfig RandomVision { get; init; } = new()
    {
        HiddenSize = 32, IntermediateSize = 64, NumHiddenLayers = 2, NumAttentionHeads = 2, ImageSize = 32, PatchSize = 8, ProjectionDim = 16,
    };
}

/// <summary>
/// Writes a small policy as a llava-hf folder (config.json, model.safetensors in the hub's key spelling, tokenizer.model +
/// added_tokens.json + tokenizer_config.json, preprocessor_config.json), so the trainer loads it through exactly the
/// code path of llava-hf/llava-1.5-7b-hf. The decoder is random (TorchSharp's default initialisation, seeded); the vision
/// tower is the vision half of a HF CLIP folder when one is given — the paper's setting, where the verifier is the
/// policy's own CLIP — read at the penultimate layer (vision_feature_layer -2), CLS dropped, as LLaVA-1.5 does.
/// </summary>
public static class PolicyFolderWriter
{
    public static LlavaConfig Write(string directory, WordPieceTokenizer tokenizer, PolicySpec spec, string? clipDirectory = null)
    {
        Directory.CreateDirectory(directory);
        tokenizer.Write(directory);
        var vision = clipDirectory is null ? spec.RandomVision : ClipConfig.FromFile(Path.Combine(clipDirectory, "config.json")).VisionConfig;
        var config = new LlavaConfig
        {
            TextConfig = new LlamaConfig
            {
                VocabSize = tokenizer.VocabSize,
                HiddenSize = spec.HiddenSize,
                IntermediateSize = spec.IntermediateSize,
                NumHiddenLayers = spec.Layers,
                NumAttentionHeads = spec.Heads,
                NumKeyValueHeads = spec.KeyValueHeads,
                MaxPositionEmbeddings = spec.MaxPositions,
                RmsNormEps = 1e-5,
                PadTokenId = tokenizer.PadId,
            },
            VisionConfig = vision,
            ImageTokenIndex = tokenizer.ImageId,
            VisionFeatureLayer = spec.VisionFeatureLayer,
            PadTokenId = tokenizer.PadId,
        };
        File.WriteAllText(Path.Combine(directory, LlavaCheckpointLoader.ConfigFileName), config.ToJson().ToJsonString(new() { WriteIndented = true }));

        torch.random.manual_seed(spec.Seed);
        using var model = new LlavaForConditionalGeneration(config);
        if (clipDirectory is not null) CopyVisionTower(model, clipDirectory);
        using (var stream = File.Create(Path.Combine(directory, SafeTensorsCheckpoint.SingleFileName)))
            Safetensors.SaveStateDict(stream, model.state_dict());

        var preprocessor = Path.Combine(directory, "preprocessor_config.json");
        if (clipDirectory is not null && File.Exists(Path.Combine(clipDirectory, "preprocessor_config.json")))
            File.Copy(Path.Combine(clipDirectory, "preprocessor_config.json"), preprocessor, overwrite: true);
        else
            File.WriteAllText(preprocessor, ClipCheckpointWriter.PreprocessorJson(new ClipImageProcessorConfig
            {
                ShortestEdge = vision.ImageSize, CropHeight = vision.ImageSize, CropWidth = vision.ImageSize,
            }));
        return config;
    }

    /// <summary>vision_model.* of the CLIP folder -> vision_tower.vision_model.* of the policy (strict: every key once).</summary>
    private static void CopyVisionTower(LlavaForConditionalGeneration model, string clipDirectory)
    {
        using var checkpoint = SafeTensorsCheckpoint.Open(clipDirectory);
        var tower = model.VisionTower.VisionModel;
        using var noGrad = no_grad();
        var copied = 0;
        foreach (var (name, parameter) in tower.named_parameters())
        {
            var key = "vision_model." + name;
            if (!checkpoint.Contains(key)) throw new InvalidDataException($"CLIP folder '{clipDirectory}' has no tensor '{key}'.");
            using var source = checkpoint.Read(key, parameter.dtype, parameter.device);
            parameter.copy_(source);
            copied++;
        }
        if (copied == 0) throw new InvalidDataException($"No vision tower parameters copied from '{clipDirectory}'.");
    }
}
