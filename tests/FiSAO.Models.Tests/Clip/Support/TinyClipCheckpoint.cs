using System.Text.Json.Nodes;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace FiSAO.Models.Tests.Clip.Support;

/// <summary>One weight in HF layout: shape and fp32 values (row-major), generated without TorchSharp.</summary>
public sealed record HfTensor(long[] Shape, float[] Data);

/// <summary>How to write a checkpoint folder: dtype, sharding and deliberate defects for the strict-loading tests.</summary>
public sealed record CheckpointOptions
{
    public ScalarType DType { get; init; } = ScalarType.Float32;
    public bool Sharded { get; init; }
    public bool IncludePositionIds { get; init; }
    public string? DropKey { get; init; }
    public (string Key, long[] Shape)? ReshapeKey { get; init; }
    public string? ExtraKey { get; init; }
}

/// <summary>
/// Random CLIP weights in the exact HF layout (names from <see cref="HfClipLayout"/>), written as HF checkpoint folders
/// (config.json + model.safetensors or sharded index) through TorchSharp.PyBridge's independent safetensors writer.
/// </summary>
public sealed class TinyClipCheckpoint
{
    private TinyClipCheckpoint(ClipSpec spec, Dictionary<string, HfTensor> weights)
    {
        Spec = spec;
        Weights = weights;
    }

    public ClipSpec Spec { get; }

    public IReadOnlyDictionary<string, HfTensor> Weights { get; }

    public static TinyClipCheckpoint Create(ClipSpec spec, int seed = 1234)
    {
        var random = new Random(seed);
        var weights = new Dictionary<string, HfTensor>(StringComparer.Ordinal);
        foreach (var (name, shape) in HfClipLayout.ClipModel(spec))
            weights[name] = new HfTensor(shape, Generate(name, shape, random));
        return new TinyClipCheckpoint(spec, weights);
    }

    /// <summary>Writes a CLIPModel folder and returns its path.</summary>
    public string WriteClipFolder(string directory, CheckpointOptions? options = null)
    {
        options ??= new CheckpointOptions();
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), ClipConfigJson().ToJsonString());

        var tensors = new List<(string, Tensor)>();
        foreach (var (name, w) in Weights)
        {
            if (name == options.DropKey) continue;
            var shape = options.ReshapeKey is { } r && r.Key == name ? r.Shape : w.Shape;
            var data = shape == w.Shape ? w.Data : new float[shape.Aggregate(1L, (a, b) => a * b)];
            tensors.Add((name, ToTensor(shape, data, options.DType)));
        }
        if (options.ExtraKey is { } extra)
            tensors.Add((extra, ToTensor([2, 2], [1, 2, 3, 4], options.DType)));
        if (options.IncludePositionIds)
        {
            tensors.Add(("text_model.embeddings.position_ids", torch.arange(Spec.Text.MaxPositions, ScalarType.Int64).unsqueeze(0)));
            tensors.Add(("vision_model.embeddings.position_ids", torch.arange(Spec.Vision.Positions, ScalarType.Int64).unsqueeze(0)));
        }

        if (options.Sharded) WriteSharded(directory, tensors);
        else WriteSafetensors(Path.Combine(directory, "model.safetensors"), tensors);
        foreach (var (_, t) in tensors) t.Dispose();
        return directory;
    }

    /// <summary>
    /// Writes a llava-hf style folder: LLaVA config.json with this vision_config, the vision weights under
    /// <paramref name="visionPrefix"/> in one shard, and language-model/projector tensors in a second shard that is
    /// deliberately not a valid safetensors file, so any attempt to open it fails the test.
    /// </summary>
    public string WriteLlavaFolder(string directory, string visionPrefix, ScalarType dtype = ScalarType.Float32, string? dropVisionKey = null)
    {
        Directory.CreateDirectory(directory);
        var root = new JsonObject
        {
            ["architectures"] = new JsonArray("LlavaForConditionalGeneration"),
            ["model_type"] = "llava",
            ["image_token_index"] = 32000,
            ["vision_feature_layer"] = -2,
            ["vision_feature_select_strategy"] = "default",
            ["text_config"] = new JsonObject { ["model_type"] = "llama", ["hidden_size"] = 64, ["vocab_size"] = 128 },
            ["vision_config"] = VisionConfigJson(),
        };
        File.WriteAllText(Path.Combine(directory, "config.json"), root.ToJsonString());

        // CLIP's "vision_model.x" becomes "<prefix>x", e.g. "vision_tower.vision_model.x".
        var vision = Weights.Where(w => w.Key.StartsWith("vision_model.", StringComparison.Ordinal) && w.Key != dropVisionKey)
            .Select(w => (visionPrefix + w.Key["vision_model.".Length..], ToTensor(w.Value.Shape, w.Value.Data, dtype)))
            .ToList();
        WriteSafetensors(Path.Combine(directory, "model-00001-of-00002.safetensors"), vision);
        File.WriteAllBytes(Path.Combine(directory, "model-00002-of-00002.safetensors"), [1, 2, 3]);

        // transformers < 4.52 nests the LLM under language_model.model; newer versions put everything under model.
        var otherKeys = visionPrefix.StartsWith("model.", StringComparison.Ordinal)
            ? new[] { "model.language_model.embed_tokens.weight", "model.multi_modal_projector.linear_1.weight", "lm_head.weight" }
            : new[] { "language_model.model.embed_tokens.weight", "multi_modal_projector.linear_1.weight", "language_model.lm_head.weight" };
        var map = new JsonObject();
        foreach (var (name, _) in vision) map[name] = "model-00001-of-00002.safetensors";
        foreach (var name in otherKeys) map[name] = "model-00002-of-00002.safetensors";
        File.WriteAllText(Path.Combine(directory, "model.safetensors.index.json"),
            new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = 0 }, ["weight_map"] = map }.ToJsonString());
        foreach (var (_, t) in vision) t.Dispose();
        return directory;
    }

    public JsonObject ClipConfigJson()
    {
        var t = Spec.Text;
        return new JsonObject
        {
            ["architectures"] = new JsonArray("CLIPModel"),
            ["model_type"] = "clip",
            ["projection_dim"] = Spec.ProjectionDim,
            ["logit_scale_init_value"] = 2.6592,
            ["text_config"] = new JsonObject
            {
                ["model_type"] = "clip_text_model",
                ["vocab_size"] = t.VocabSize,
                ["hidden_size"] = t.HiddenSize,
                ["intermediate_size"] = t.IntermediateSize,
                ["num_hidden_layers"] = t.Layers,
                ["num_attention_heads"] = t.Heads,
                ["max_position_embeddings"] = t.MaxPositions,
                ["hidden_act"] = t.Activation,
                ["layer_norm_eps"] = t.LayerNormEps,
                ["eos_token_id"] = t.EosTokenId,
                ["bos_token_id"] = 0,
                ["pad_token_id"] = 1,
                ["projection_dim"] = Spec.ProjectionDim,
            },
            ["vision_config"] = VisionConfigJson(),
        };
    }

    private JsonObject VisionConfigJson()
    {
        var v = Spec.Vision;
        var json = new JsonObject
        {
            ["hidden_size"] = v.HiddenSize,
            ["intermediate_size"] = v.IntermediateSize,
            ["num_hidden_layers"] = v.Layers,
            ["num_attention_heads"] = v.Heads,
            ["num_channels"] = v.Channels,
            ["image_size"] = v.ImageSize,
            ["patch_size"] = v.PatchSize,
            ["hidden_act"] = v.Activation,
            ["layer_norm_eps"] = v.LayerNormEps,
            ["projection_dim"] = Spec.ProjectionDim,
            ["model_type"] = "clip_vision_model",
        };
        return json;
    }

    private static void WriteSharded(string directory, List<(string Name, Tensor Tensor)> tensors)
    {
        // Two shards split by tower, like HF's save_pretrained with a small max_shard_size.
        var first = tensors.Where(t => t.Name.StartsWith("text_model.", StringComparison.Ordinal)).ToList();
        var second = tensors.Except(first).ToList();
        var files = new[] { ("model-00001-of-00002.safetensors", first), ("model-00002-of-00002.safetensors", second) };
        var map = new JsonObject();
        foreach (var (file, part) in files)
        {
            WriteSafetensors(Path.Combine(directory, file), part);
            foreach (var (name, _) in part) map[name] = file;
        }
        File.WriteAllText(Path.Combine(directory, "model.safetensors.index.json"),
            new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = 0 }, ["weight_map"] = map }.ToJsonString());
    }

    public static void WriteSafetensors(string path, IEnumerable<(string Name, Tensor Tensor)> tensors)
    {
        using var stream = File.Create(path);
        Safetensors.SaveStateDict(stream, tensors.ToDictionary(t => t.Name, t => t.Tensor));
    }

    internal static Tensor ToTensor(long[] shape, float[] data, ScalarType dtype)
    {
        var t = torch.tensor(data, shape);
        if (dtype == ScalarType.Float32) return t;
        var converted = t.to(dtype);
        t.Dispose();
        return converted;
    }

    /// <summary>Scales chosen so attention is far from uniform and activations reach the nonlinear range of GELU.</summary>
    private static float[] Generate(string name, long[] shape, Random random)
    {
        var n = shape.Aggregate(1L, (a, b) => a * b);
        var data = new float[n];
        if (name == "logit_scale")
        {
            data[0] = (float)Math.Log(100);
            return data;
        }
        var isNorm = name.Contains("layer_norm", StringComparison.Ordinal) || name.Contains("layrnorm", StringComparison.Ordinal);
        var (mean, std) = name switch
        {
            _ when isNorm && name.EndsWith(".weight", StringComparison.Ordinal) => (1.0, 0.1),
            _ when name.EndsWith(".bias", StringComparison.Ordinal) => (0.0, 0.1),
            _ when name.Contains("embedding", StringComparison.Ordinal) && !name.Contains("patch", StringComparison.Ordinal) => (0.0, 0.5),
            _ => (0.0, 1.5 / Math.Sqrt(shape.Skip(1).Aggregate(1L, (a, b) => a * b))), // linear/conv: 1.5 / sqrt(fan_in)
        };
        for (var i = 0; i < n; i++) data[i] = (float)(mean + std * Gaussian(random));
        return data;
    }

    private static double Gaussian(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Deterministic pseudo-images in [-2, 2] (CLIP-normalised pixels live roughly there).</summary>
    public static float[] RandomPixels(int count, VisionSpec v, int seed)
    {
        var random = new Random(seed);
        var data = new float[(long)count * v.Channels * v.ImageSize * v.ImageSize];
        for (var i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 4 - 2);
        return data;
    }
}
