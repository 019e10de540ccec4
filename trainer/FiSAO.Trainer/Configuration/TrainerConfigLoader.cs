using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace FiSAO.Trainer.Configuration;

/// <summary>A configuration problem, naming the key (e.g. <c>ppo.clip_epsilon</c>).</summary>
public sealed class TrainerConfigException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Reads a <see cref="TrainerConfig"/>: JSON file, then <c>--set section.key=value</c> overrides, then validation. Unknown
/// keys are errors (a typo must not silently fall back to a default), as are values of the wrong type. Relative paths are
/// resolved against the config file's folder.
/// </summary>
public static class TrainerConfigLoader
{
    public static readonly JsonSerializerOptions Json = new()
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static TrainerConfig Load(string path, IEnumerable<string>? overrides = null)
    {
        if (!File.Exists(path)) throw new TrainerConfigException($"Config file '{path}' does not exist.");
        JsonNode? node;
        try { node = JsonNode.Parse(File.ReadAllText(path), documentOptions: new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new TrainerConfigException($"Config file '{path}' is not valid JSON: {e.Message}", e); }
        if (node is not JsonObject root) throw new TrainerConfigException($"Config file '{path}' must hold a JSON object.");
        var config = Parse(root, overrides);
        return ResolvePaths(config, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Applies overrides to <paramref name="root"/> and deserialises and validates it.</summary>
    public static TrainerConfig Parse(JsonObject root, IEnumerable<string>? overrides = null)
    {
        foreach (var assignment in overrides ?? []) ApplyOverride(root, assignment);
        TrainerConfig config;
        try { config = root.Deserialize<TrainerConfig>(Json) ?? new TrainerConfig(); }
        catch (ConfigModeException e)
        {
            throw new TrainerConfigException($"Invalid config:\n  {KeyOf(e.Path)}: {e.Message}", e);
        }
        catch (JsonException e)
        {
            var key = KeyOf(e.Path);
            var unknown = e.Message.Contains("could not be mapped", StringComparison.Ordinal);
            throw new TrainerConfigException(unknown
                ? $"Unknown config key '{UnknownKey(e.Message, key)}'."
                : $"Config key '{key}' has a value of the wrong type: {e.Message}", e);
        }
        Validate(config);
        return config;
    }

    /// <summary><c>section.key=value</c>; the value is JSON when it parses as JSON (numbers, true, [..]), a string otherwise.</summary>
    public static void ApplyOverride(JsonObject root, string assignment)
    {
        var eq = assignment.IndexOf('=');
        if (eq <= 0) throw new TrainerConfigException($"Override '{assignment}' must look like section.key=value.");
        var key = assignment[..eq].Trim();
        var text = assignment[(eq + 1)..];
        var parts = key.Split('.');
        if (parts.Any(p => p.Length == 0)) throw new TrainerConfigException($"Override key '{key}' is malformed.");
        JsonNode? value;
        try { value = JsonNode.Parse(text); }
        catch (JsonException) { value = JsonValue.Create(text); }
        var node = root;
        foreach (var part in parts[..^1])
        {
            if (node[part] is JsonObject child) node = child;
            else if (node[part] is null) { child = new JsonObject(); node[part] = child; node = child; }
            else throw new TrainerConfigException($"Override key '{key}': '{part}' is not a section.");
        }
        node[parts[^1]] = value;
    }

    public static void Validate(TrainerConfig c)
    {
        var errors = new List<string>();
        void Check(bool ok, string key, string message) { if (!ok) errors.Add($"{key}: {message}"); }

        Check(!string.IsNullOrWhiteSpace(c.Policy.Model), "policy.model", "required (a llava-hf folder)");
        Check(IsDevice(c.Policy.Device), "policy.device", $"'{c.Policy.Device}' is not cpu, cuda or cuda:N");
        Check(c.Policy.Devices is null || c.Policy.Devices.Length > 0, "policy.devices", "must name at least one device (or leave it out for policy.device)");
        foreach (var device in c.Policy.Devices ?? [])
            Check(IsDevice(device), "policy.devices", $"'{device}' is not cpu, cuda or cuda:N");
        Check(c.Policy.Devices is not { Length: > 0 } || c.Policy.Device == new PolicySettings().Device || c.Policy.Device == c.Policy.Devices[0],
            "policy.devices", $"give policy.device ('{c.Policy.Device}') or policy.devices, not both");
        Check(c.Policy.DType is "fp32" or "float32" or "fp16" or "float16" or "bf16" or "bfloat16", "policy.dtype", $"'{c.Policy.DType}' is not fp32, fp16 or bf16");
        Check(c.Policy.Threads >= 0, "policy.threads", "must be >= 0");
        // With ppo.disable_dropout (the default) the update draws no dropout masks, so the recompute has none to redraw.
        Check(!c.Policy.ActivationCheckpointing || c.Lora.Dropout == 0 || c.Ppo.DisableDropout || !c.Policy.DeviceList.Any(d => d.StartsWith("cuda", StringComparison.Ordinal)),
            "policy.activation_checkpointing", "needs lora.dropout = 0 (or ppo.disable_dropout) on CUDA: the recompute must draw the forward's dropout masks, and TorchSharp 0.107 cannot save a CUDA generator's state");
        Check(!c.Policy.ActivationCheckpointing || c.Lora.Dropout == 0 || c.Ppo.DisableDropout || c.Policy.DeviceList.Count(d => d == "cpu") <= 1,
            "policy.activation_checkpointing", "needs lora.dropout = 0 (or ppo.disable_dropout) with several cpu entries in policy.devices: their threads share the CPU generator the recompute rewinds to redraw the forward's dropout masks");
        Check(c.Policy.ChatTemplate.Contains("{prompt}", StringComparison.Ordinal), "policy.chat_template", "must contain {prompt}");

        Check(c.Lora.Rank >= 1, "lora.rank", "must be >= 1");
        Check(c.Lora.Alpha > 0, "lora.alpha", "must be > 0");
        Check(c.Lora.Dropout is >= 0 and < 1, "lora.dropout", "must be in [0, 1)");
        var known = new HashSet<string>(["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]);
        Check(c.Lora.TargetModules.Length > 0 && c.Lora.TargetModules.All(known.Contains), "lora.target_modules",
            $"must be a non-empty subset of {string.Join(", ", known)}");

        Check(c.Data.Kind is "jsonl" or "llava-instruct" or "shapes" or "coco", "data.kind", $"'{c.Data.Kind}' is not jsonl, llava-instruct, shapes or coco");
        Check(c.Data.Kind == "shapes" || !string.IsNullOrWhiteSpace(c.Data.Path), "data.path", $"required for data.kind = {c.Data.Kind}");
        Check(c.Data.MaxSamples >= 0, "data.max_samples", "must be >= 0");
        Check(c.Data.ShapesScenes >= 1, "data.shapes_scenes", "must be >= 1");

        Check(c.Reward.Source != RewardSourceKind.Verifier || c.Reward.VerifierAddresses.Length > 0, "reward.verifier_addresses", "required when reward.source = verifier");
        Check(c.Reward.Source != RewardSourceKind.ToyToken || !string.IsNullOrEmpty(c.Reward.ToyPiece), "reward.toy_piece", "required when reward.source = toy-token");
        Check(c.Reward.Source != RewardSourceKind.ToyToken || c.Reward.Mode == RewardMode.Token, "reward.mode", "the toy reward is token-level only");
        Check(c.Reward.MaxAttempts >= 1, "reward.max_attempts", "must be >= 1");
        Check(c.Reward.TotalTimeoutSeconds > 0, "reward.total_timeout_seconds", "must be > 0");
        Check(c.Reward.SentenceMomentum is >= 0 and < 1, "reward.sentence_momentum", "must be in [0, 1)");

        Check(c.Generation.MaxNewTokens >= 1, "generation.max_new_tokens", "must be >= 1");
        Check(c.Generation.Temperature > 0, "generation.temperature", "must be > 0");
        Check(c.Generation.TopP is > 0 and <= 1, "generation.top_p", "must be in (0, 1]");
        Check(c.Generation.TopK >= 0, "generation.top_k", "must be >= 0");
        Check(c.Generation.ChunkSize >= 0, "generation.chunk_size", "must be >= 0");

        var p = c.Ppo;
        Check(p.Xi >= 0, "ppo.xi", "must be >= 0");
        Check(p.ClipEpsilon is > 0 and < 1, "ppo.clip_epsilon", "must be in (0, 1)");
        Check(p.PpoEpochs >= 1, "ppo.ppo_epochs", "must be >= 1");
        Check(p.MinibatchSize >= 1, "ppo.minibatch_size", "must be >= 1");
        Check(p.MinibatchSize <= c.Run.BatchSize, "ppo.minibatch_size", $"must not exceed run.batch_size ({c.Run.BatchSize})");
        Check(p.MicroBatchSize >= 0, "ppo.micro_batch_size", "must be >= 0");
        Check(p.MicroBatchSize <= p.MinibatchSize, "ppo.micro_batch_size", $"must not exceed ppo.minibatch_size ({p.MinibatchSize})");
        Check(p.LearningRate > 0, "ppo.learning_rate", "must be > 0");
        Check(p.WeightDecay >= 0, "ppo.weight_decay", "must be >= 0");
        Check(p.AdamBeta1 is >= 0 and < 1, "ppo.adam_beta1", "must be in [0, 1)");
        Check(p.AdamBeta2 is >= 0 and < 1, "ppo.adam_beta2", "must be in [0, 1)");
        Check(p.AdamEpsilon > 0, "ppo.adam_epsilon", "must be > 0");
        Check(p.MaxGradNorm >= 0, "ppo.max_grad_norm", "must be >= 0");
        Check(p.EarlyStopKl >= 0, "ppo.early_stop_kl", "must be >= 0");
        Check(p.Gamma is >= 0 and <= 1, "ppo.gamma", "must be in [0, 1]");
        Check(p.Lambda is >= 0 and <= 1, "ppo.lambda", "must be in [0, 1]");
        Check(p.ValueCoef >= 0, "ppo.value_coef", "must be >= 0");
        Check(p.ValueClip >= 0, "ppo.value_clip", "must be >= 0");
        Check(p.EntropyCoef >= 0, "ppo.entropy_coef", "must be >= 0");

        Check(c.Run.Steps >= 1, "run.steps", "must be >= 1");
        Check(c.Run.BatchSize >= 1, "run.batch_size", "must be >= 1");
        Check(c.Run.CheckpointInterval >= 0, "run.checkpoint_interval", "must be >= 0");
        Check(c.Run.KeepCheckpoints >= 1, "run.keep_checkpoints", "must be >= 1");
        Check(!string.IsNullOrWhiteSpace(c.Run.OutputDir), "run.output_dir", "required");

        if (errors.Count > 0) throw new TrainerConfigException("Invalid config:\n  " + string.Join("\n  ", errors));
    }

    public static string Serialize(TrainerConfig config) => JsonSerializer.Serialize(config, Json);

    private static TrainerConfig ResolvePaths(TrainerConfig c, string baseDirectory)
    {
        string? Resolve(string? path) => string.IsNullOrWhiteSpace(path) ? path : Path.GetFullPath(path, baseDirectory);
        return c with
        {
            Policy = c.Policy with { Model = Resolve(c.Policy.Model) },
            Data = c.Data with
            {
                Path = Resolve(c.Data.Path), ImageRoot = Resolve(c.Data.ImageRoot), PromptsFile = Resolve(c.Data.PromptsFile),
                CocoObjects = Resolve(c.Data.CocoObjects), Entities = Resolve(c.Data.Entities),
            },
            Run = c.Run with { OutputDir = Resolve(c.Run.OutputDir) },
        };
    }

    private static bool IsDevice(string device) =>
        device is "cpu" or "cuda" || (device.StartsWith("cuda:", StringComparison.Ordinal)
                                      && int.TryParse(device[5..], NumberStyles.None, CultureInfo.InvariantCulture, out _));

    // "$.ppo.clip_epsilon" -> "ppo.clip_epsilon"
    private static string KeyOf(string? jsonPath) => string.IsNullOrEmpty(jsonPath) ? "(root)" : jsonPath.TrimStart('$', '.');

    // System.Text.Json: "The JSON property 'clip_eps' could not be mapped to any .NET member contained in type ..." with Path
    // pointing at the property itself.
    private static string UnknownKey(string message, string key)
    {
        var start = message.IndexOf('\'');
        var end = start >= 0 ? message.IndexOf('\'', start + 1) : -1;
        if (start < 0 || end < 0) return key;
        var name = message[(start + 1)..end];
        return key.EndsWith(name, StringComparison.Ordinal) ? key : (key == "(root)" ? name : $"{key}.{name}");
    }
}
