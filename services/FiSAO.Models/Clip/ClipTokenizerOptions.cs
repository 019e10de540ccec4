using System.Text.Json;

namespace FiSAO.Models.Clip;

/// <summary>
/// The settings of a CLIP tokenizer that live beside its vocabulary: special tokens and the model's context length.
/// Defaults are HF <c>CLIPTokenizer</c>'s and CLIP's 77 positions.
/// </summary>
public sealed record ClipTokenizerOptions
{
    public const string StartOfText = "<|startoftext|>";
    public const string EndOfText = "<|endoftext|>";
    public const int DefaultModelMaxLength = 77;

    /// <summary>HF writes this sentinel (int(1e30)) when a tokenizer has no length limit; anything this large means "unset".</summary>
    private const double UnsetMaxLengthThreshold = 1e9;

    public string BosToken { get; init; } = StartOfText;
    public string EosToken { get; init; } = EndOfText;
    public string UnkToken { get; init; } = EndOfText;
    public string PadToken { get; init; } = EndOfText;

    /// <summary>Positions the text model has, special tokens included; encodings are truncated to it.</summary>
    public int ModelMaxLength { get; init; } = DefaultModelMaxLength;

    /// <summary>
    /// Reads <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c> from an HF tokenizer folder when present.
    /// A value in <c>tokenizer_config.json</c> wins; <c>special_tokens_map.json</c> fills what it leaves out.
    /// </summary>
    public static ClipTokenizerOptions FromDirectory(string directory)
    {
        var options = new ClipTokenizerOptions();
        JsonElement? config = ReadJsonObject(Path.Combine(directory, "tokenizer_config.json"));
        JsonElement? map = ReadJsonObject(Path.Combine(directory, "special_tokens_map.json"));

        string Token(string key, string fallback) =>
            TokenValue(config, key) ?? TokenValue(map, key) ?? fallback;

        options = options with
        {
            BosToken = Token("bos_token", options.BosToken),
            EosToken = Token("eos_token", options.EosToken),
            UnkToken = Token("unk_token", options.UnkToken),
            PadToken = Token("pad_token", options.PadToken),
        };

        if (config is { } c && c.TryGetProperty("model_max_length", out JsonElement maxLength)
            && maxLength.ValueKind == JsonValueKind.Number)
        {
            double value = maxLength.GetDouble();
            if (value < UnsetMaxLengthThreshold)
            {
                if (value < 2 || value != Math.Floor(value))
                {
                    throw new InvalidDataException(
                        $"tokenizer_config.json in '{directory}': model_max_length {value} is not an integer >= 2.");
                }

                options = options with { ModelMaxLength = (int)value };
            }
        }

        return options;
    }

    private static JsonElement? ReadJsonObject(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(path));
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"'{path}' must hold a JSON object, not {doc.RootElement.ValueKind}.");
            }

            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>HF stores a special token either as a plain string or as an AddedToken object with "content".</summary>
    private static string? TokenValue(JsonElement? obj, string key)
    {
        if (obj is not { } o || !o.TryGetProperty(key, out JsonElement value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Object when value.TryGetProperty("content", out JsonElement content)
                && content.ValueKind == JsonValueKind.String => content.GetString(),
            _ => null,
        };
    }
}
