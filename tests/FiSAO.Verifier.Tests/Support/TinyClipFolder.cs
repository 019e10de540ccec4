using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FiSAO.Models.Clip;
using TorchSharp;
using TorchSharp.PyBridge;

namespace FiSAO.Verifier.Tests.Support;

/// <summary>
/// Writes a complete, tiny HF CLIP folder with random weights: config.json, model.safetensors, a byte-level
/// vocab.json (the 512 byte symbols + the two special tokens, no merges), merges.txt and preprocessor_config.json.
/// The verifier loads it through the same code path as openai/clip-vit-large-patch14-336.
/// </summary>
public static class TinyClipFolder
{
    public const int ImageSize = 32;
    public const int ProjectionDim = 16;

    public static string Write(string directory, int seed = 7)
    {
        Directory.CreateDirectory(directory);
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("CLIPModel"),
            ["model_type"] = "clip",
            ["projection_dim"] = ProjectionDim,
            ["logit_scale_init_value"] = 2.6592,
            ["text_config"] = new JsonObject
            {
                ["vocab_size"] = 514, ["hidden_size"] = 32, ["intermediate_size"] = 64, ["num_hidden_layers"] = 2,
                ["num_attention_heads"] = 4, ["max_position_embeddings"] = 77, ["hidden_act"] = "quick_gelu",
                ["bos_token_id"] = 512, ["eos_token_id"] = 513, ["pad_token_id"] = 513, ["projection_dim"] = ProjectionDim,
            },
            ["vision_config"] = new JsonObject
            {
                ["hidden_size"] = 32, ["intermediate_size"] = 64, ["num_hidden_layers"] = 2, ["num_attention_heads"] = 4,
                ["image_size"] = ImageSize, ["patch_size"] = 8, ["hidden_act"] = "quick_gelu", ["projection_dim"] = ProjectionDim,
            },
        };
        var configJson = config.ToJsonString();
        File.WriteAllText(Path.Combine(directory, "config.json"), configJson);

        torch.manual_seed(seed);
        using (var model = new ClipModel(ClipConfig.FromJson(configJson)))
        using (var stream = File.Create(Path.Combine(directory, "model.safetensors")))
            Safetensors.SaveStateDict(stream, model.state_dict());

        var vocab = new JsonObject();
        var symbols = ByteSymbols();
        for (int b = 0; b < 256; b++) vocab[symbols[b]] = b;
        for (int b = 0; b < 256; b++) vocab[symbols[b] + "</w>"] = 256 + b;
        vocab["<|startoftext|>"] = 512;
        vocab["<|endoftext|>"] = 513;
        File.WriteAllText(Path.Combine(directory, "vocab.json"), vocab.ToJsonString());
        File.WriteAllText(Path.Combine(directory, "merges.txt"), "#version: 0.2\n");
        File.WriteAllText(Path.Combine(directory, "preprocessor_config.json"), JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["crop_size"] = ImageSize, ["do_center_crop"] = true, ["do_normalize"] = true, ["do_resize"] = true,
            ["image_mean"] = new[] { 0.48145466, 0.4578275, 0.40821073 }, ["image_std"] = new[] { 0.26862954, 0.26130258, 0.27577711 },
            ["resample"] = 3, ["size"] = ImageSize,
        }));
        return directory;
    }

    /// <summary>GPT-2's bytes_to_unicode in byte order (printable bytes map to themselves, the rest to U+0100+).</summary>
    static string[] ByteSymbols()
    {
        var symbols = new string[256];
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            symbols[b] = printable ? ((char)b).ToString() : ((char)(256 + next++)).ToString();
        }
        return symbols;
    }
}
