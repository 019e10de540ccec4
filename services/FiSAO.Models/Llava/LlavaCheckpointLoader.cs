using FiSAO.Models.Checkpoints;
using FiSAO.Models.Llama;
using FiSAO.Models.Torch;
using TorchSharp;

namespace FiSAO.Models.Llava;

/// <summary>A loaded policy model and the key spelling its checkpoint used.</summary>
public sealed record LoadedLlava(LlavaForConditionalGeneration Model, LlavaKeyLayout Layout);

/// <summary>
/// Builds <see cref="LlavaForConditionalGeneration"/> on the target device/dtype and fills it strictly from a llava-hf
/// folder: config.json, model.safetensors or a sharded index, fp32/fp16/bf16 tensors (converted on copy), keys in
/// either transformers spelling (<see cref="LlavaKeyLayout"/>). Every parameter must be present with its exact shape,
/// and every checkpoint tensor must be a parameter (HF's non-persistent <c>position_ids</c> buffers aside).
/// </summary>
public static class LlavaCheckpointLoader
{
    public const string ConfigFileName = "config.json";

    public static LoadedLlava Load(string directory, TorchTarget target, LlamaAttentionImplementation attention = LlamaAttentionImplementation.Sdpa)
    {
        var configPath = Path.Combine(directory, ConfigFileName);
        if (!File.Exists(configPath))
            throw new FileNotFoundException($"Checkpoint folder '{directory}' has no {ConfigFileName}.", configPath);
        var config = LlavaConfig.FromFile(configPath);

        using var checkpoint = SafeTensorsCheckpoint.Open(directory);
        var layout = DetectLayout(checkpoint);
        var parts = LlavaKeys.PartPrefixes(layout);
        var stray = checkpoint.Keys.Where(k => !parts.Any(p => k.StartsWith(p.Checkpoint, StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal).ToList();
        if (stray.Count > 0)
            throw new InvalidDataException(
                $"Cannot load LlavaForConditionalGeneration from checkpoint '{directory}' ({layout} key layout): {stray.Count} tensor(s) " +
                $"belong to no part of the model: {string.Join(", ", stray.Take(8).Select(k => $"'{k}'"))}{(stray.Count > 8 ? " ..." : "")}.");

        var model = new LlavaForConditionalGeneration(config, attention, target.Device, target.DType);
        try
        {
            var modules = model.named_modules().ToDictionary(m => m.name, m => m.module, StringComparer.Ordinal);
            foreach (var (ours, inCheckpoint) in parts)
            {
                if (!modules.TryGetValue(ours[..^1], out var part))
                {
                    // Only a tied head has no module; then the checkpoint must not carry one either.
                    var extra = checkpoint.Keys.Where(k => k.StartsWith(inCheckpoint, StringComparison.Ordinal)).ToList();
                    if (extra.Count > 0)
                        throw new InvalidDataException(
                            $"Checkpoint '{directory}' has '{extra[0]}' but the config ties the output head to the embeddings (tie_word_embeddings).");
                    continue;
                }
                StrictStateLoader.Load(part, checkpoint, inCheckpoint);
            }
            model.eval();
            return new LoadedLlava(model, layout);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Which spelling a checkpoint uses: exactly one must hold the language model.</summary>
    public static LlavaKeyLayout DetectLayout(SafeTensorsCheckpoint checkpoint)
    {
        bool Has(string prefix) => checkpoint.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal));
        var legacy = Has("language_model.model.");
        var current = Has("model.language_model.");
        return (legacy, current) switch
        {
            (true, false) => LlavaKeyLayout.Legacy,
            (false, true) => LlavaKeyLayout.Current,
            (true, true) => throw new InvalidDataException(
                $"Checkpoint '{checkpoint.Directory}' has language-model tensors under both 'language_model.model.' and 'model.language_model.'; cannot tell which to load."),
            _ => throw new InvalidDataException(
                $"Checkpoint '{checkpoint.Directory}' has no language-model tensors (expected keys starting with 'language_model.model.' " +
                "(transformers < 4.52) or 'model.language_model.' (>= 4.52)); is it a llava-hf LlavaForConditionalGeneration folder?"),
        };
    }
}
