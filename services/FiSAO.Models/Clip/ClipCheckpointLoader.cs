using FiSAO.Models.Checkpoints;
using FiSAO.Models.Torch;

namespace FiSAO.Models.Clip;

/// <summary>Builds CLIP modules on the target device/dtype and fills them from HF checkpoint folders, strictly.</summary>
public static class ClipCheckpointLoader
{
    public const string ConfigFileName = "config.json";

    /// <summary>Key prefixes of the CLIP vision tower inside llava-hf checkpoints, older transformers first.</summary>
    public static readonly IReadOnlyList<string> LlavaVisionPrefixes = ["vision_tower.vision_model.", "model.vision_tower.vision_model."];

    /// <summary>
    /// A CLIPModel folder: config.json (CLIPConfig) and model.safetensors or a sharded index; fp32/fp16/bf16 weights.
    /// Built in the precision <see cref="ClipPrecision"/> chooses for the target.
    /// </summary>
    public static ClipModel LoadClipModel(string directory, TorchTarget target)
    {
        var config = ClipConfig.FromFile(RequireConfig(directory));
        using var checkpoint = SafeTensorsCheckpoint.Open(directory);
        var model = new ClipModel(config, target.Device, ClipPrecision.StorageDType(target));
        try
        {
            StrictStateLoader.Load(model, checkpoint);
            ClipPrecision.Apply(model, target);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Only the CLIP vision tower of a llava-hf LLaVA folder: the config's <c>vision_config</c> and the keys under
    /// <c>vision_tower.vision_model.</c> or <c>model.vision_tower.vision_model.</c>; no other tensor is read.
    /// </summary>
    public static ClipVisionTransformer LoadLlavaVisionTower(string directory, TorchTarget target)
    {
        var configPath = RequireConfig(directory);
        var config = ClipConfig.VisionConfigFromLlavaJson(File.ReadAllText(configPath), configPath);
        using var checkpoint = SafeTensorsCheckpoint.Open(directory);
        var prefixes = LlavaVisionPrefixes.Where(p => checkpoint.Keys.Any(k => k.StartsWith(p, StringComparison.Ordinal))).ToList();
        if (prefixes.Count != 1)
            throw new InvalidDataException(prefixes.Count == 0
                ? $"Checkpoint '{directory}' has no vision tower tensors (expected keys starting with {string.Join(" or ", LlavaVisionPrefixes.Select(p => $"'{p}'"))})."
                : $"Checkpoint '{directory}' has vision tower tensors under both {string.Join(" and ", prefixes.Select(p => $"'{p}'"))}; cannot tell which to load.");

        var tower = new ClipVisionTransformer(config, target.Device, target.DType);
        try
        {
            StrictStateLoader.Load(tower, checkpoint, prefixes[0]);
            tower.eval();
            return tower;
        }
        catch
        {
            tower.Dispose();
            throw;
        }
    }

    private static string RequireConfig(string directory)
    {
        var path = Path.Combine(directory, ConfigFileName);
        return File.Exists(path) ? path : throw new FileNotFoundException($"Checkpoint folder '{directory}' has no {ConfigFileName}.", path);
    }
}
