using System.Text.Json;
using System.Text.Json.Nodes;

namespace FiSAO.Models.Llama;

/// <summary>
/// HF <c>LlamaConfig</c>. Property defaults are HF's (LLaMA-7B sizes), used for every field a config.json leaves out:
/// llava-hf's <c>text_config</c> only spells out what differs from them (max_position_embeddings, rms_norm_eps, vocab_size).
/// </summary>
public sealed record LlamaConfig
{
    public int VocabSize { get; init; } = 32000;
    public int HiddenSize { get; init; } = 4096;
    public int IntermediateSize { get; init; } = 11008;
    public int NumHiddenLayers { get; init; } = 32;
    public int NumAttentionHeads { get; init; } = 32;

    /// <summary>Key/value heads (grouped-query attention); HF's <c>None</c> means one per attention head.</summary>
    public int? NumKeyValueHeads { get; init; }

    /// <summary>Per-head width; HF's <c>None</c> means hidden_size / num_attention_heads.</summary>
    public int? HeadDim { get; init; }

    public string HiddenAct { get; init; } = "silu";
    public int MaxPositionEmbeddings { get; init; } = 2048;
    public double RmsNormEps { get; init; } = 1e-6;
    public double RopeTheta { get; init; } = 10000.0;
    public bool AttentionBias { get; init; }
    public bool MlpBias { get; init; }
    public bool TieWordEmbeddings { get; init; }
    public int? BosTokenId { get; init; } = 1;

    /// <summary>HF allows one id or a list; generation stops at any of them.</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [2];

    public int? PadTokenId { get; init; }

    public int KeyValueHeads => NumKeyValueHeads ?? NumAttentionHeads;

    public int HeadDimension => HeadDim ?? HiddenSize / NumAttentionHeads;

    public void Validate()
    {
        Check(VocabSize > 0, $"vocab_size must be positive, got {VocabSize}");
        Check(HiddenSize > 0 && IntermediateSize > 0 && NumHiddenLayers > 0, "hidden_size, intermediate_size and num_hidden_layers must be positive");
        Check(NumAttentionHeads > 0 && KeyValueHeads > 0, "num_attention_heads and num_key_value_heads must be positive");
        Check(HeadDim is not null || HiddenSize % NumAttentionHeads == 0,
            $"hidden_size {HiddenSize} is not a multiple of num_attention_heads {NumAttentionHeads} and no head_dim is given");
        Check(HeadDimension > 0 && HeadDimension % 2 == 0, $"head_dim must be positive and even (rotary halves), got {HeadDimension}");
        Check(NumAttentionHeads % KeyValueHeads == 0,
            $"num_attention_heads {NumAttentionHeads} must be a multiple of num_key_value_heads {KeyValueHeads}");
        Check(HiddenAct == "silu", $"hidden_act '{HiddenAct}' is not supported; LLaMA uses 'silu'");
        Check(RmsNormEps > 0 && RopeTheta > 0, "rms_norm_eps and rope_theta must be positive");
        Check(EosTokenIds.All(id => id >= 0), "eos_token_id must not be negative");
    }

    /// <summary>Parses a LlamaConfig JSON object (a llama config.json, or the <c>text_config</c> of a LLaVA config).</summary>
    public static LlamaConfig FromJson(JsonObject node, string source = "config.json")
    {
        if (Str(node, "model_type") is { } type && type != "llama")
            throw new InvalidDataException($"{source}: text model_type '{type}' is not supported; only 'llama' (LLaMA/Vicuna) decoders are.");

        var defaults = new LlamaConfig();
        var ropeTheta = Dbl(node, "rope_theta");
        if (node["rope_parameters"] is JsonObject ropeParameters) // transformers >= 5 moves rope_theta here
        {
            ropeTheta ??= Dbl(ropeParameters, "rope_theta");
            CheckRopeType(Str(ropeParameters, "rope_type") ?? Str(ropeParameters, "type"), source);
        }
        if (node["rope_scaling"] is JsonObject ropeScaling)
            CheckRopeType(Str(ropeScaling, "rope_type") ?? Str(ropeScaling, "type"), source);

        var config = new LlamaConfig
        {
            VocabSize = Int(node, "vocab_size") ?? defaults.VocabSize,
            HiddenSize = Int(node, "hidden_size") ?? defaults.HiddenSize,
            IntermediateSize = Int(node, "intermediate_size") ?? defaults.IntermediateSize,
            NumHiddenLayers = Int(node, "num_hidden_layers") ?? defaults.NumHiddenLayers,
            NumAttentionHeads = Int(node, "num_attention_heads") ?? defaults.NumAttentionHeads,
            NumKeyValueHeads = Int(node, "num_key_value_heads"),
            HeadDim = Int(node, "head_dim"),
            HiddenAct = Str(node, "hidden_act") ?? defaults.HiddenAct,
            MaxPositionEmbeddings = Int(node, "max_position_embeddings") ?? defaults.MaxPositionEmbeddings,
            RmsNormEps = Dbl(node, "rms_norm_eps") ?? defaults.RmsNormEps,
            RopeTheta = ropeTheta ?? defaults.RopeTheta,
            AttentionBias = Bool(node, "attention_bias") ?? false,
            MlpBias = Bool(node, "mlp_bias") ?? false,
            TieWordEmbeddings = Bool(node, "tie_word_embeddings") ?? false,
            BosTokenId = node.ContainsKey("bos_token_id") ? Int(node, "bos_token_id") : defaults.BosTokenId,
            EosTokenIds = node.ContainsKey("eos_token_id") ? IntList(node, "eos_token_id", source) : defaults.EosTokenIds,
            PadTokenId = Int(node, "pad_token_id"),
        };
        try
        {
            config.Validate();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
        return config;
    }

    public static LlamaConfig FromJson(string json, string source = "config.json") =>
        FromJson(JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                 ?? throw new InvalidDataException($"{source} is not a JSON object."), source);

    /// <summary>The fields as HF writes them (for config.json files our tools produce).</summary>
    public JsonObject ToJson()
    {
        var o = new JsonObject
        {
            ["model_type"] = "llama",
            ["architectures"] = new JsonArray("LlamaForCausalLM"),
            ["vocab_size"] = VocabSize,
            ["hidden_size"] = HiddenSize,
            ["intermediate_size"] = IntermediateSize,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_key_value_heads"] = KeyValueHeads,
            ["head_dim"] = HeadDimension,
            ["hidden_act"] = HiddenAct,
            ["max_position_embeddings"] = MaxPositionEmbeddings,
            ["rms_norm_eps"] = RmsNormEps,
            ["rope_theta"] = RopeTheta,
            ["rope_scaling"] = null,
            ["attention_bias"] = AttentionBias,
            ["mlp_bias"] = MlpBias,
            ["tie_word_embeddings"] = TieWordEmbeddings,
            ["bos_token_id"] = BosTokenId,
            ["eos_token_id"] = EosTokenIds.Count == 1 ? EosTokenIds[0] : new JsonArray(EosTokenIds.Select(i => (JsonNode)i).ToArray()),
            ["pad_token_id"] = PadTokenId,
        };
        return o;
    }

    private static void CheckRopeType(string? type, string source)
    {
        if (type is not (null or "default"))
            throw new NotSupportedException($"{source}: rope scaling '{type}' is not supported; only HF's default rotary embedding is.");
    }

    private static void Check(bool condition, string message)
    {
        if (!condition) throw new InvalidDataException(message);
    }

    private static string? Str(JsonObject o, string name) => o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static int? Int(JsonObject o, string name) => o[name] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        JsonValue v when v.TryGetValue<double>(out var d) && d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue => (int)d,
        var other => throw new InvalidDataException($"'{name}' must be an integer, got {other.ToJsonString()}."),
    };

    private static double? Dbl(JsonObject o, string name) => o[name] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        var other => throw new InvalidDataException($"'{name}' must be a number, got {other.ToJsonString()}."),
    };

    private static bool? Bool(JsonObject o, string name) => o[name] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        var other => throw new InvalidDataException($"'{name}' must be true or false, got {other.ToJsonString()}."),
    };

    private static IReadOnlyList<int> IntList(JsonObject o, string name, string source) => o[name] switch
    {
        null => [],
        JsonArray a => a.Select(n => n is JsonValue v && v.TryGetValue<int>(out var i) ? i
            : throw new InvalidDataException($"{source}: '{name}' must hold integers.")).ToArray(),
        _ => [Int(o, name)!.Value],
    };
}
