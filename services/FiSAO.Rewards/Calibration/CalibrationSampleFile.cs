using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using FiSAO.Rewards.Alignment;

namespace FiSAO.Rewards;

/// <summary>How one judged mention of a calibration sample was read (written for audit; readers ignore it).</summary>
/// <param name="Surface">The words of the response.</param>
/// <param name="Object">What CHAIR judged it as (null: not judged).</param>
/// <param name="Verdict">correct, hallucinated or not_evaluated.</param>
public sealed record JudgedMention(string Surface, string? Object, string Verdict);

/// <summary>One line of a samples.jsonl: an image, a response (text or token pieces) and the objects truly in the image.</summary>
/// <param name="Line">1-based line number (0 for a line not read from a file).</param>
/// <param name="ImagePath">Absolute path of the image.</param>
/// <param name="Text">The response as text (null when given as tokens).</param>
/// <param name="Tokens">The response as token pieces (null when given as text).</param>
/// <param name="TokenFormat">How the pieces encode text.</param>
/// <param name="Objects">Objects truly in the image (canonical names or any surface form).</param>
/// <param name="Judged">The mentions as the writer judged them (optional, for audit; the verifier judges again).</param>
public sealed record CalibrationSampleLine(int Line, string ImagePath, string? Text, IReadOnlyList<string>? Tokens, TokenFormat TokenFormat,
    IReadOnlyList<string> Objects, IReadOnlyList<JudgedMention>? Judged = null);

/// <summary>
/// The project's one calibration-samples format (Eq. 7 inputs), JSON Lines, one sample a line:
/// <c>{"image": "path relative to the file", "text": "the response"}</c> (or <c>"caption"</c>), or
/// <c>"tokens": ["▁A", "▁dog"]</c> with an optional <c>"token_format"</c> (auto, plain, sentencepiece, bytelevelbpe,
/// wordpiece); <c>"objects"</c>: the objects truly in the image, a list of names or a map name -> count; optional
/// <c>"judged"</c>: the writer's verdict per mention (read back for audit; calibration does not use it). Blank lines are skipped. Written by
/// <c>fisao-trainer calibrate</c>; read by the verifier's <c>calibrate</c> command and <c>fisao calibrate</c>.
/// Errors name the file and line.
/// </summary>
public static class CalibrationSampleFile
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IReadOnlyList<CalibrationSampleLine> Read(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Parses the file's text; image paths resolve against the folder of <paramref name="path"/>.</summary>
    public static IReadOnlyList<CalibrationSampleLine> Parse(string text, string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var samples = new List<CalibrationSampleLine>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length > 0) samples.Add(ParseLine(line, i + 1, path, directory));
        }
        if (samples.Count == 0) throw new InvalidDataException($"'{path}' has no samples.");
        return samples;
    }

    /// <summary>Writes the samples; image paths are stored relative to the file's folder.</summary>
    public static void Write(string path, IEnumerable<CalibrationSampleLine> samples)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false)) { NewLine = "\n" };
        foreach (var s in samples)
        {
            var line = new Dictionary<string, object?> { ["image"] = Path.GetRelativePath(directory, s.ImagePath) };
            if (s.Tokens is not null)
            {
                line["tokens"] = s.Tokens;
                line["token_format"] = s.TokenFormat.ToString().ToLowerInvariant();
            }
            if (!string.IsNullOrEmpty(s.Text)) line["text"] = s.Text;
            line["objects"] = s.Objects;
            if (s.Judged is not null)
                line["judged"] = s.Judged.Select(j => new Dictionary<string, object?> { ["surface"] = j.Surface, ["object"] = j.Object, ["verdict"] = j.Verdict });
            writer.WriteLine(JsonSerializer.Serialize(line, Json));
        }
    }

    private static CalibrationSampleLine ParseLine(string line, int number, string path, string directory)
    {
        string Where() => $"{path}:{number}";
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(line);
            root = document.RootElement.Clone();
        }
        catch (JsonException e) { throw new InvalidDataException($"{Where()}: not valid JSON ({e.Message})", e); }
        if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{Where()}: expected a JSON object.");

        string? OptionalText(string name) => root.TryGetProperty(name, out var value)
            ? value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s ? s : throw new InvalidDataException($"{Where()}: \"{name}\" must be a non-empty string.")
            : null;

        var image = OptionalText("image") ?? throw new InvalidDataException($"{Where()}: \"image\" must be a non-empty string.");
        IReadOnlyList<string>? tokens = null;
        var format = TokenFormat.Auto;
        if (root.TryGetProperty("tokens", out var t))
        {
            if (t.ValueKind != JsonValueKind.Array || t.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
                throw new InvalidDataException($"{Where()}: \"tokens\" must be an array of strings.");
            tokens = [.. t.EnumerateArray().Select(x => x.GetString()!)];
            if (OptionalText("token_format") is { } f && !Enum.TryParse(f, ignoreCase: true, out format))
                throw new InvalidDataException($"{Where()}: \"token_format\" '{f}' is none of {string.Join(", ", Enum.GetNames<TokenFormat>().Select(n => n.ToLowerInvariant()))}.");
        }
        // With tokens, a "text" beside them is for reading only (the pieces are what is scored).
        var text = tokens is not null ? null : OptionalText("text") ?? OptionalText("caption");
        if (tokens is null && text is null) throw new InvalidDataException($"{Where()}: \"text\" must be a non-empty string (or give \"caption\" or \"tokens\").");
        if (!root.TryGetProperty("objects", out var objects))
            throw new InvalidDataException($"{Where()}: \"objects\" (the objects truly in the image) is missing.");
        IReadOnlyList<string> truth = objects.ValueKind switch
        {
            JsonValueKind.Array when objects.EnumerateArray().All(o => o.ValueKind == JsonValueKind.String) => [.. objects.EnumerateArray().Select(o => o.GetString()!)],
            JsonValueKind.Object => [.. objects.EnumerateObject().Select(o => o.Name)],
            _ => throw new InvalidDataException($"{Where()}: \"objects\" must be an array of strings or a map name -> count."),
        };
        IReadOnlyList<JudgedMention>? judged = null;
        if (root.TryGetProperty("judged", out var j) && j.ValueKind == JsonValueKind.Array)
            judged = [.. j.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.Object).Select(m => new JudgedMention(
                m.TryGetProperty("surface", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : "",
                m.TryGetProperty("object", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString() : null,
                m.TryGetProperty("verdict", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : ""))];
        return new CalibrationSampleLine(number, Path.GetFullPath(Path.Combine(directory, image)), text, tokens, format, truth, judged);
    }
}
