using System.Text.Json;
using System.Text.Json.Nodes;
using FiSAO.Models.Imaging;
using TorchSharp.PyBridge;

namespace FiSAO.Models.Clip;

/// <summary>
/// Writes a CLIP model as a HF <c>CLIPModel</c> folder (config.json, model.safetensors, preprocessor_config.json and,
/// on request, a byte-level tokenizer), so that what we train or generate loads through the same path as
/// openai/clip-vit-large-patch14-336.
/// </summary>
public static class ClipCheckpointWriter
{
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void Save(ClipModel model, string directory, ClipImageProcessorConfig preprocessing)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), ConfigJson(model.Config));
        using (var stream = File.Create(Path.Combine(directory, "model.safetensors")))
            Safetensors.SaveStateDict(stream, model.state_dict());
        File.WriteAllText(Path.Combine(directory, "preprocessor_config.json"), PreprocessorJson(preprocessing));
    }

    /// <summary>HF CLIPConfig JSON with <c>model_type</c> markers, as transformers writes it.</summary>
    public static string ConfigJson(ClipConfig config)
    {
        var text = JsonSerializer.SerializeToNode(config.TextConfig)!.AsObject();
        text["model_type"] = "clip_text_model";
        var vision = JsonSerializer.SerializeToNode(config.VisionConfig)!.AsObject();
        vision["model_type"] = "clip_vision_model";
        var root = new JsonObject
        {
            ["architectures"] = new JsonArray("CLIPModel"),
            ["model_type"] = "clip",
            ["projection_dim"] = config.ProjectionDim,
            ["logit_scale_init_value"] = config.LogitScaleInitValue,
            ["text_config"] = text,
            ["vision_config"] = vision,
        };
        return root.ToJsonString(Indented);
    }

    public static string PreprocessorJson(ClipImageProcessorConfig c)
    {
        var root = new JsonObject
        {
            ["image_processor_type"] = "CLIPImageProcessor",
            ["do_resize"] = c.DoResize,
            ["resample"] = (int)c.Resample,
            ["do_center_crop"] = c.DoCenterCrop,
            ["crop_size"] = new JsonObject { ["height"] = c.CropHeight, ["width"] = c.CropWidth },
            ["do_rescale"] = c.DoRescale,
            ["rescale_factor"] = c.RescaleFactor,
            ["do_normalize"] = c.DoNormalize,
            ["image_mean"] = new JsonArray(c.ImageMean.Select(v => (JsonNode)v).ToArray()),
            ["image_std"] = new JsonArray(c.ImageStd.Select(v => (JsonNode)v).ToArray()),
            ["do_convert_rgb"] = c.DoConvertRgb,
        };
        root["size"] = c.ShortestEdge is { } edge
            ? new JsonObject { ["shortest_edge"] = edge }
            : new JsonObject { ["height"] = c.ResizeHeight, ["width"] = c.ResizeWidth };
        return root.ToJsonString(Indented);
    }

    /// <summary>
    /// The smallest complete CLIP tokenizer: the 512 byte-level symbols (GPT-2 byte order, then each with
    /// <c>&lt;/w&gt;</c>) and the two special tokens at 512 and 513, no merges. Every text encodes (one token per byte);
    /// a text config for it has vocab_size 514, bos 512, eos 513.
    /// </summary>
    public static void SaveByteLevelTokenizer(string directory)
    {
        Directory.CreateDirectory(directory);
        var vocab = new JsonObject();
        for (int b = 0; b < 256; b++) vocab[ByteLevelAlphabet.Encode((byte)b).ToString()] = b;
        for (int b = 0; b < 256; b++) vocab[ByteLevelAlphabet.Encode((byte)b) + "</w>"] = 256 + b;
        vocab[ClipTokenizerOptions.StartOfText] = 512;
        vocab[ClipTokenizerOptions.EndOfText] = 513;
        File.WriteAllText(Path.Combine(directory, "vocab.json"), vocab.ToJsonString());
        File.WriteAllText(Path.Combine(directory, "merges.txt"), "#version: 0.2\n");
    }
}
