using System.Text.Json.Nodes;
using FiSAO.Models.Tests.Clip.Support;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace FiSAO.Models.Tests.Llava.Support;

/// <summary>How to write a tiny llava-hf folder.</summary>
public sealed record LlavaFolderOptions
{
    /// <summary>transformers &gt;= 4.52 key spelling (model.language_model.*, lm_head.*) instead of the hub's older one.</summary>
    public bool CurrentLayout { get; init; }

    public ScalarType DType { get; init; } = ScalarType.Float32;

    /// <summary>Three shards (vision tower / projector + embeddings / the rest) with model.safetensors.index.json.</summary>
    public bool Sharded { get; init; }

    public bool IncludePositionIds { get; init; }

    /// <summary>Legacy name of a tensor to leave out.</summary>
    public string? DropKey { get; init; }

    /// <summary>Legacy name and wrong shape for one tensor.</summary>
    public (string Key, long[] Shape)? ReshapeKey { get; init; }

    /// <summary>A full checkpoint key to add (written as is).</summary>
    public string? ExtraKey { get; init; }

    public bool Tokenizer { get; init; } = true;
}

/// <summary>
/// Random LLaVA weights in the exact HF layout (names from <see cref="HfLlavaLayout"/>), written as llava-hf folders
/// (config.json, safetensors in either key spelling, optional shards, tokenizer files) through TorchSharp.PyBridge's
/// independent safetensors writer. The vision tower's weights are a <see cref="TinyClipCheckpoint"/>'s, so
/// <see cref="ReferenceClip"/> can recompute its hidden states.
/// </summary>
public sealed class TinyLlavaCheckpoint
{
    private TinyLlavaCheckpoint(LlavaSpec spec, ClipSpec clipSpec, TinyClipCheckpoint clip, Dictionary<string, HfTensor> weights)
    {
        Spec = spec;
        ClipSpec = clipSpec;
        Clip = clip;
        Weights = weights;
    }

    public LlavaSpec Spec { get; }

    public ClipSpec ClipSpec { get; }

    public TinyClipCheckpoint Clip { get; }

    /// <summary>All weights by legacy (transformers &lt; 4.52) name.</summary>
    public IReadOnlyDictionary<string, HfTensor> Weights { get; }

    public static TinyLlavaCheckpoint Create(int seed = 7)
    {
        var spec = LlavaSpec.Tiny(TinySentencePiece.TokenizerCount);
        var clipSpec = ClipSpec.Tiny();
        var clip = TinyClipCheckpoint.Create(clipSpec, seed);
        var random = new Random(seed + 1);
        var weights = new Dictionary<string, HfTensor>(StringComparer.Ordinal);
        foreach (var (name, shape) in HfLlavaLayout.Legacy(spec))
        {
            const string tower = "vision_tower.vision_model.";
            weights[name] = name.StartsWith(tower, StringComparison.Ordinal)
                ? clip.Weights["vision_model." + name[tower.Length..]]
                : new HfTensor(shape, Generate(name, shape, random));
        }
        return new TinyLlavaCheckpoint(spec, clipSpec, clip, weights);
    }

    public string Write(string directory, LlavaFolderOptions? options = null)
    {
        options ??= new LlavaFolderOptions();
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), ConfigJson().ToJsonString());
        if (options.Tokenizer) TinySentencePiece.WriteTokenizerFiles(directory);

        string Name(string legacy) => options.CurrentLayout ? HfLlavaLayout.ToCurrent(legacy) : legacy;
        var tensors = new List<(string Name, string Legacy, Tensor Tensor)>();
        foreach (var (legacy, w) in Weights)
        {
            if (legacy == options.DropKey) continue;
            var shape = options.ReshapeKey is { } r && r.Key == legacy ? r.Shape : w.Shape;
            var data = shape == w.Shape ? w.Data : new float[shape.Aggregate(1L, (a, b) => a * b)];
            tensors.Add((Name(legacy), legacy, TinyClipCheckpoint.ToTensor(shape, data, options.DType)));
        }
        if (options.IncludePositionIds)
            tensors.Add((Name("vision_tower.vision_model.embeddings.position_ids"), "vision_tower.vision_model.embeddings.position_ids",
                torch.arange(Spec.Vision.Positions, ScalarType.Int64).unsqueeze(0)));
        if (options.ExtraKey is { } extra) tensors.Add((extra, extra, TinyClipCheckpoint.ToTensor([2, 2], [1, 2, 3, 4], options.DType)));

        if (options.Sharded)
        {
            static int ShardOf(string legacy) =>
                legacy.StartsWith("vision_tower.", StringComparison.Ordinal) ? 1
                : legacy.StartsWith("multi_modal_projector.", StringComparison.Ordinal) || legacy.Contains("embed_tokens", StringComparison.Ordinal) ? 2
                : 3;
            var map = new JsonObject();
            foreach (var shard in new[] { 1, 2, 3 })
            {
                var file = $"model-0000{shard}-of-00003.safetensors";
                var part = tensors.Where(t => ShardOf(t.Legacy) == shard).ToList();
                TinyClipCheckpoint.WriteSafetensors(Path.Combine(directory, file), part.Select(t => (t.Name, t.Tensor)));
                foreach (var t in part) map[t.Name] = file;
            }
            File.WriteAllText(Path.Combine(directory, "model.safetensors.index.json"),
                new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = 0 }, ["weight_map"] = map }.ToJsonString());
        }
        else
        {
            TinyClipCheckpoint.WriteSafetensors(Path.Combine(directory, "model.safetensors"), tensors.Select(t => (t.Name, t.Tensor)));
        }
        foreach (var t in tensors) t.Tensor.Dispose();
        return directory;
    }

    /// <summary>config.json in llava-hf's style: text_config spells out the tiny LLaMA, vision_config the tiny CLIP tower.</summary>
    public JsonObject ConfigJson()
    {
        var t = Spec.Text;
        var v = Spec.Vision;
        return new JsonObject
        {
            ["architectures"] = new JsonArray("LlavaForConditionalGeneration"),
            ["model_type"] = "llava",
            ["ignore_index"] = -100,
            ["image_token_index"] = Spec.ImageTokenId,
            ["pad_token_id"] = Spec.PadId,
            ["projector_hidden_act"] = "gelu",
            ["vision_feature_layer"] = Spec.FeatureLayer,
            ["vision_feature_select_strategy"] = Spec.DropCls ? "default" : "full",
            ["tie_word_embeddings"] = false,
            ["text_config"] = new JsonObject
            {
                ["model_type"] = "llama",
                ["architectures"] = new JsonArray("LlamaForCausalLM"),
                ["vocab_size"] = t.VocabSize,
                ["hidden_size"] = t.HiddenSize,
                ["intermediate_size"] = t.IntermediateSize,
                ["num_hidden_layers"] = t.Layers,
                ["num_attention_heads"] = t.Heads,
                ["num_key_value_heads"] = t.KvHeads,
                ["max_position_embeddings"] = t.MaxPositions,
                ["rms_norm_eps"] = t.RmsNormEps,
                ["rope_theta"] = t.RopeTheta,
                ["bos_token_id"] = t.BosId,
                ["eos_token_id"] = t.EosId,
                ["torch_dtype"] = "float16",
            },
            ["vision_config"] = new JsonObject
            {
                ["model_type"] = "clip_vision_model",
                ["hidden_size"] = v.HiddenSize,
                ["intermediate_size"] = v.IntermediateSize,
                ["num_hidden_layers"] = v.Layers,
                ["num_attention_heads"] = v.Heads,
                ["num_channels"] = v.Channels,
                ["image_size"] = v.ImageSize,
                ["patch_size"] = v.PatchSize,
                ["hidden_act"] = v.Activation,
                ["layer_norm_eps"] = v.LayerNormEps,
                ["projection_dim"] = ClipSpec.ProjectionDim,
            },
        };
    }

    /// <summary>Pixels for <paramref name="count"/> images, [count, 3, H, W] row-major, in [-2, 2].</summary>
    public float[] Pixels(int count, int seed) => TinyClipCheckpoint.RandomPixels(count, Spec.Vision, seed);

    public long[] PixelShape(int count) => [count, Spec.Vision.Channels, Spec.Vision.ImageSize, Spec.Vision.ImageSize];

    /// <summary>Norm weights near 1, embeddings of unit scale, linears 1.5 / sqrt(fan_in), lm_head larger so logits spread.</summary>
    private static float[] Generate(string name, long[] shape, Random random)
    {
        var n = shape.Aggregate(1L, (a, b) => a * b);
        var data = new float[n];
        var fanIn = shape.Length > 1 ? shape[1] : 1;
        var (mean, std) = name switch
        {
            _ when name.EndsWith("norm.weight", StringComparison.Ordinal) => (1.0, 0.1),
            _ when name.EndsWith(".bias", StringComparison.Ordinal) => (0.0, 0.1),
            _ when name.Contains("embed_tokens", StringComparison.Ordinal) => (0.0, 1.0),
            _ when name.Contains("lm_head", StringComparison.Ordinal) => (0.0, 3.0 / Math.Sqrt(fanIn)),
            _ => (0.0, 1.5 / Math.Sqrt(fanIn)),
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
}
