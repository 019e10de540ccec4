using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FiSAO.Models.Llava;
using FiSAO.Models.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Lora;

/// <summary>
/// LoRA adapters in Hugging Face PEFT's on-disk format: <c>adapter_config.json</c> (peft_type LORA, r, lora_alpha,
/// lora_dropout, target_modules, bias "none", task_type CAUSAL_LM, base_model_name_or_path) and
/// <c>adapter_model.safetensors</c> with keys <c>base_model.model.&lt;HF module path&gt;.lora_A.weight</c> / <c>.lora_B.weight</c>
/// (PEFT drops the adapter name "default" when saving). lora_A is [r, in], lora_B [out, r], as in PEFT.
/// <para>
/// Module paths are those of the HF model PEFT wrapped. For <see cref="LlavaForConditionalGeneration"/> they depend on the
/// transformers version (<see cref="LlavaKeyLayout"/>): transformers &lt; 4.52 names the first query projection
/// <c>language_model.model.layers.0.self_attn.q_proj</c> (key <c>base_model.model.language_model.model.layers.0.self_attn.q_proj.lora_A.weight</c>),
/// transformers &gt;= 4.52 <c>model.language_model.layers.0.self_attn.q_proj</c>. Saving picks one (default: the legacy
/// spelling, which is also how llava-hf/llava-1.5-7b-hf's own weights are named); loading recognises both. For a plain
/// <c>LlamaForCausalLM</c> the path is <c>model.layers.0.self_attn.q_proj</c> either way.
/// </para>
/// <para>
/// target_modules: for LLaVA we write PEFT's regex form, e.g. <c>.*language_model.*\.(q_proj|k_proj|v_proj|o_proj)</c>, because
/// the list form ["q_proj", ...] would make PEFT also wrap the CLIP tower's q_proj/k_proj/v_proj; the regex matches the
/// language model's projections in both transformers spellings and nothing in the vision tower. Loading accepts
/// the list form (PEFT suffix matching) and the regex form (full match).
/// </para>
/// </summary>
public static class PeftAdapter
{
    public const string ConfigFileName = "adapter_config.json";
    public const string WeightsFileName = "adapter_model.safetensors";
    public const string KeyPrefix = "base_model.model.";

    /// <summary>Writes <paramref name="adapters"/> to <paramref name="directory"/> in PEFT format.</summary>
    /// <param name="baseModelNameOrPath">Goes to base_model_name_or_path, e.g. "llava-hf/llava-1.5-7b-hf".</param>
    /// <param name="layout">Which transformers spelling of LLaVA module paths to write (ignored for non-LLaVA models).</param>
    public static void Save(LoraAdapters adapters, string directory, string? baseModelNameOrPath, LlavaKeyLayout layout = LlavaKeyLayout.Legacy)
    {
        ArgumentNullException.ThrowIfNull(adapters);
        Directory.CreateDirectory(directory);
        var config = adapters.Config;
        var paths = adapters.Modules.Keys.ToList();
        var allLlava = paths.All(IsLlavaPath);

        JsonNode targetModules = allLlava
            ? JsonValue.Create($@".*language_model.*\.({string.Join("|", config.TargetModules)})")!
            : new JsonArray(config.TargetModules.Select(t => (JsonNode)t).ToArray());
        if (!adapters.CoversAllTargets)
            targetModules = new JsonArray(paths.Select(p => (JsonNode)ToHf(p, layout)).ToArray()); // exact paths (PEFT suffix match)

        var json = new JsonObject
        {
            ["alpha_pattern"] = new JsonObject(),
            ["auto_mapping"] = null,
            ["base_model_name_or_path"] = baseModelNameOrPath,
            ["bias"] = "none",
            ["fan_in_fan_out"] = false,
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
            ["layers_pattern"] = null,
            ["layers_to_transform"] = null,
            ["lora_alpha"] = Number(config.Alpha),
            ["lora_dropout"] = config.Dropout,
            ["modules_to_save"] = null,
            ["peft_type"] = "LORA",
            ["r"] = config.Rank,
            ["rank_pattern"] = new JsonObject(),
            ["revision"] = null,
            ["target_modules"] = targetModules,
            ["task_type"] = "CAUSAL_LM",
            ["use_dora"] = false,
            ["use_rslora"] = false,
        };
        File.WriteAllText(Path.Combine(directory, ConfigFileName), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        PeftSafetensorsWriter.Write(Path.Combine(directory, WeightsFileName),
            adapters.NamedParameters().Select(p => (KeyPrefix + ToHf(p.Name, layout), (Tensor)p.Tensor)));
    }

    /// <summary>What <see cref="Load"/> read: the adapters and which LLaVA key spelling the file used.</summary>
    public sealed record Loaded(LoraAdapters Adapters, LlavaKeyLayout Layout, string? BaseModelNameOrPath);

    /// <summary>
    /// Attaches the adapters described by <paramref name="directory"/>'s adapter_config.json to <paramref name="model"/>
    /// and fills them from adapter_model.safetensors, strictly: the file must hold lora_A and lora_B, with the model's
    /// shapes, for exactly the modules target_modules selects, in one of the two LLaVA spellings.
    /// </summary>
    public static Loaded Load(nn.Module model, string directory)
    {
        var (config, targets, baseModel) = ReadConfig(directory);
        var weightsPath = Path.Combine(directory, WeightsFileName);
        if (!File.Exists(weightsPath)) throw new FileNotFoundException($"Adapter folder '{directory}' has no {WeightsFileName}.", weightsPath);
        using var file = SafeTensorsFile.Open(weightsPath);
        var fileKeys = file.Keys.ToHashSet(StringComparer.Ordinal);

        var candidates = model.named_modules().Where(m => m.module is ILinearContainer)
            .SelectMany(m => ((ILinearContainer)m.module).LinearNames.Select(n => m.name.Length == 0 ? n : $"{m.name}.{n}"))
            .ToList();
        (LlavaKeyLayout Layout, List<string> Paths, HashSet<string> Keys)? best = null;
        foreach (var layout in new[] { LlavaKeyLayout.Legacy, LlavaKeyLayout.Current })
        {
            var selected = candidates.Where(p => targets(ToHf(p, layout))).ToList();
            var keys = selected.SelectMany(p => new[] { $"{KeyPrefix}{ToHf(p, layout)}.lora_A.weight", $"{KeyPrefix}{ToHf(p, layout)}.lora_B.weight" })
                .ToHashSet(StringComparer.Ordinal);
            if (best is null || keys.Intersect(fileKeys).Count() > best.Value.Keys.Intersect(fileKeys).Count())
                best = (layout, selected, keys);
        }
        var (chosen, paths, expected) = best!.Value;
        var missing = expected.Except(fileKeys).Order(StringComparer.Ordinal).ToList();
        var unexpected = fileKeys.Except(expected).Order(StringComparer.Ordinal).ToList();
        if (paths.Count == 0 || missing.Count > 0 || unexpected.Count > 0)
            throw new InvalidDataException(
                $"Adapter '{directory}' does not fit the model: " +
                (paths.Count == 0 ? "target_modules selects no layer of the language model. " : "") +
                (missing.Count > 0 ? $"{missing.Count} expected tensor(s) missing ({string.Join(", ", missing.Take(4))}{(missing.Count > 4 ? " ..." : "")}). " : "") +
                (unexpected.Count > 0 ? $"{unexpected.Count} tensor(s) match no adaptable layer ({string.Join(", ", unexpected.Take(4))}{(unexpected.Count > 4 ? " ..." : "")}); " +
                    "only the language model's q/k/v/o and gate/up/down projections can carry LoRA here. " : ""));

        var pathSet = paths.ToHashSet(StringComparer.Ordinal);
        var adapters = LoraAdapters.Attach(model, config with { TargetModules = paths.Select(LoraAdapters.LastName).Distinct().ToArray() }, pathSet.Contains);
        foreach (var (name, parameter) in adapters.NamedParameters())
        {
            var key = KeyPrefix + ToHf(name, chosen);
            var info = file.GetInfo(key);
            if (!info.Shape.SequenceEqual(parameter.shape))
                throw new InvalidDataException(
                    $"Adapter tensor '{key}' has shape {info.ShapeText} but the model's r = {config.Rank} adapter expects {SafeTensorDTypes.FormatShape(parameter.shape)}.");
        }
        using (torch.no_grad())
            foreach (var (name, parameter) in adapters.NamedParameters())
            {
                using var source = file.Read(KeyPrefix + ToHf(name, chosen));
                parameter.copy_(source);
            }
        return new Loaded(adapters, chosen, baseModel);
    }

    /// <summary>Reads and validates adapter_config.json: the LoRA settings and a predicate over HF module paths (target_modules).</summary>
    public static (LoraConfig Config, Func<string, bool> IsTarget, string? BaseModelNameOrPath) ReadConfig(string directory)
    {
        var path = Path.Combine(directory, ConfigFileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"Adapter folder '{directory}' has no {ConfigFileName}.", path);
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path} is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not valid JSON ({e.Message}).", e);
        }

        string? Str(string name) => root[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        bool True(string name) => root[name] is JsonValue v && v.TryGetValue<bool>(out var b) && b;
        bool NonEmpty(string name) => root[name] switch { null => false, JsonObject o => o.Count > 0, JsonArray a => a.Count > 0, _ => true };
        void Refuse(bool condition, string what)
        {
            if (condition) throw new NotSupportedException($"{path}: {what} is not supported.");
        }

        if (Str("peft_type") != "LORA") throw new InvalidDataException($"{path}: peft_type is '{Str("peft_type")}', expected 'LORA'.");
        Refuse(Str("bias") is { } bias && bias != "none", $"bias '{Str("bias")}'");
        Refuse(True("use_dora"), "use_dora");
        Refuse(True("use_rslora"), "use_rslora");
        Refuse(True("fan_in_fan_out"), "fan_in_fan_out");
        Refuse(NonEmpty("rank_pattern") || NonEmpty("alpha_pattern"), "rank_pattern / alpha_pattern");
        Refuse(NonEmpty("layers_to_transform"), "layers_to_transform");
        Refuse(NonEmpty("modules_to_save"), "modules_to_save");

        var rank = root["r"] is JsonValue r && r.TryGetValue<int>(out var ri) ? ri : throw new InvalidDataException($"{path}: 'r' must be an integer.");
        var alpha = root["lora_alpha"] is JsonValue a && a.TryGetValue<double>(out var ad) ? ad : 8; // PEFT's default lora_alpha
        var dropout = root["lora_dropout"] is JsonValue d && d.TryGetValue<double>(out var dd) ? dd : 0.0;

        Func<string, bool> isTarget;
        switch (root["target_modules"])
        {
            case JsonValue v when v.TryGetValue<string>(out var pattern):
                var regex = new Regex($"^(?:{pattern})$", RegexOptions.CultureInvariant);
                isTarget = regex.IsMatch;
                break;
            case JsonArray list:
                var names = list.Select(n => n?.GetValue<string>() ?? "").ToArray();
                isTarget = p => names.Any(t => p == t || p.EndsWith("." + t, StringComparison.Ordinal));
                break;
            default:
                throw new InvalidDataException($"{path}: target_modules must be a list of module names or a regex string.");
        }

        var config = new LoraConfig { Rank = rank, Alpha = alpha, Dropout = dropout, TargetModules = LoraConfig.AllProjections };
        return (config, isTarget, Str("base_model_name_or_path"));
    }

    /// <summary>A module or parameter name of our model tree in PEFT/HF spelling for <paramref name="layout"/>.</summary>
    public static string ToHf(string name, LlavaKeyLayout layout) => IsLlavaPath(name) ? LlavaKeys.ToLayout(name, layout) : name;

    private static bool IsLlavaPath(string name) =>
        name.StartsWith("language_model.", StringComparison.Ordinal) || name.StartsWith("multi_modal_projector.", StringComparison.Ordinal)
        || name.StartsWith("vision_tower.", StringComparison.Ordinal);

    private static JsonNode Number(double value) => value == Math.Floor(value) && Math.Abs(value) < int.MaxValue ? JsonValue.Create((int)value) : JsonValue.Create(value);
}
