using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FiSAO.Rewards;

/// <summary>
/// JSON form of <see cref="Calibration"/>. Written by hand with <see cref="Utf8JsonWriter"/> and read with
/// <see cref="JsonDocument"/> so that every load error can name the file, the field and the problem.
/// Unknown fields are ignored (forward compatibility); a missing <c>format_version</c> means 1.
/// </summary>
internal static class CalibrationJson
{
    private static readonly string[] RequiredNumbers = ["mu_gt", "mu_hal", "s_min", "s_max"];
    private static readonly string[] RequiredCounts = ["correct_count", "hallucinated_count"];

    public static string Serialize(Calibration calibration)
    {
        using var stream = new MemoryStream();
        Write(calibration, stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static void Save(Calibration calibration, string path)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var temporary = path + ".tmp";
        using (var stream = File.Create(temporary))
        {
            Write(calibration, stream);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public static Calibration Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (FileNotFoundException e)
        {
            throw new CalibrationLoadException(path, "the file does not exist.", e);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new CalibrationLoadException(path, "the file does not exist (nor does its directory).", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CalibrationLoadException(path, $"the file cannot be read ({e.Message}).", e);
        }

        return Parse(json, path);
    }

    public static Calibration Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new CalibrationLoadException(source, $"not valid JSON ({e.Message}).", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CalibrationLoadException(source, $"the top level must be a JSON object; found {root.ValueKind}.");
            }

            if (root.TryGetProperty("format_version", out var versionElement))
            {
                if (!versionElement.TryGetInt32(out var version))
                {
                    throw new CalibrationLoadException(source, $"field 'format_version' is not an integer (found {Describe(versionElement)}).");
                }

                if (version != Calibration.FormatVersion)
                {
                    throw new CalibrationLoadException(source, $"format_version {version} is not supported (this code reads version {Calibration.FormatVersion}).");
                }
            }

            var numbers = RequiredNumbers.ToDictionary(n => n, n => RequiredNumber(root, n, source));
            var counts = RequiredCounts.ToDictionary(n => n, n => RequiredCount(root, n, source));
            var calibration = new Calibration
            {
                MuGt = numbers["mu_gt"],
                MuHal = numbers["mu_hal"],
                SMin = numbers["s_min"],
                SMax = numbers["s_max"],
                CorrectCount = counts["correct_count"],
                HallucinatedCount = counts["hallucinated_count"],
                StdGt = OptionalNumber(root, "std_gt", source),
                StdHal = OptionalNumber(root, "std_hal", source),
                Auroc = OptionalNumber(root, "auroc", source),
                Histogram = OptionalHistogram(root, source),
                ModelId = OptionalString(root, "model_id", source),
                EntitySetHash = OptionalString(root, "entity_set_hash", source),
                MentionTemplate = OptionalString(root, "mention_template", source),
                CreatedUtc = OptionalTimestamp(root, "created_utc", source),
            };

            var errors = calibration.Validate();
            if (errors.Count > 0)
            {
                throw new CalibrationLoadException(source, string.Join(" ", errors));
            }

            return calibration;
        }
    }

    private static void Write(Calibration c, Stream stream)
    {
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteNumber("format_version", Calibration.FormatVersion);
        writer.WriteNumber("mu_gt", c.MuGt);
        writer.WriteNumber("mu_hal", c.MuHal);
        writer.WriteNumber("s_min", c.SMin);
        writer.WriteNumber("s_max", c.SMax);
        writer.WriteNumber("correct_count", c.CorrectCount);
        writer.WriteNumber("hallucinated_count", c.HallucinatedCount);
        WriteOptional(writer, "std_gt", c.StdGt);
        WriteOptional(writer, "std_hal", c.StdHal);
        WriteOptional(writer, "auroc", c.Auroc);
        WriteOptional(writer, "model_id", c.ModelId);
        WriteOptional(writer, "entity_set_hash", c.EntitySetHash);
        WriteOptional(writer, "mention_template", c.MentionTemplate);
        if (c.CreatedUtc is { } created)
        {
            writer.WriteString("created_utc", created.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
        }

        if (c.Histogram is { } h)
        {
            writer.WriteStartObject("histogram");
            writer.WriteNumber("min", h.Min);
            writer.WriteNumber("max", h.Max);
            writer.WriteStartArray("correct");
            foreach (var count in h.Correct)
            {
                writer.WriteNumberValue(count);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("hallucinated");
            foreach (var count in h.Hallucinated)
            {
                writer.WriteNumberValue(count);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.Flush();
        stream.WriteByte((byte)'\n');
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static double RequiredNumber(JsonElement root, string name, string source)
    {
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            throw new CalibrationLoadException(source, $"required field '{name}' is missing.");
        }

        return Number(element, name, source);
    }

    private static double? OptionalNumber(JsonElement root, string name, string source) =>
        root.TryGetProperty(name, out var element) && element.ValueKind != JsonValueKind.Null
            ? Number(element, name, source)
            : null;

    private static double Number(JsonElement element, string name, string source)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out var value) || !double.IsFinite(value))
        {
            throw new CalibrationLoadException(source, $"field '{name}' is not a number (found {Describe(element)}).");
        }

        return value;
    }

    private static long RequiredCount(JsonElement root, string name, string source)
    {
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            throw new CalibrationLoadException(source, $"required field '{name}' is missing.");
        }

        return Count(element, name, source);
    }

    private static long Count(JsonElement element, string name, string source)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out var value) || value < 0)
        {
            throw new CalibrationLoadException(source, $"field '{name}' is not a non-negative integer (found {Describe(element)}).");
        }

        return value;
    }

    private static string? OptionalString(JsonElement root, string name, string source)
    {
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            throw new CalibrationLoadException(source, $"field '{name}' is not a string (found {Describe(element)}).");
        }

        return element.GetString();
    }

    private static DateTimeOffset? OptionalTimestamp(JsonElement root, string name, string source)
    {
        var text = OptionalString(root, name, source);
        if (text is null)
        {
            return null;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
        {
            throw new CalibrationLoadException(source, $"field '{name}' is not an ISO 8601 timestamp (found \"{text}\").");
        }

        return value.ToUniversalTime();
    }

    private static CalibrationHistogram? OptionalHistogram(JsonElement root, string source)
    {
        if (!root.TryGetProperty("histogram", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new CalibrationLoadException(source, $"field 'histogram' is not an object (found {Describe(element)}).");
        }

        return new CalibrationHistogram(
            RequiredNumber(element, "min", source, "histogram.min"),
            RequiredNumber(element, "max", source, "histogram.max"),
            Counts(element, "correct", source),
            Counts(element, "hallucinated", source));
    }

    private static double RequiredNumber(JsonElement parent, string name, string source, string path)
    {
        if (!parent.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            throw new CalibrationLoadException(source, $"required field '{path}' is missing.");
        }

        return Number(element, path, source);
    }

    private static long[] Counts(JsonElement histogram, string name, string source)
    {
        var path = "histogram." + name;
        if (!histogram.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            throw new CalibrationLoadException(source, $"required field '{path}' is missing.");
        }

        if (element.ValueKind != JsonValueKind.Array)
        {
            throw new CalibrationLoadException(source, $"field '{path}' is not an array (found {Describe(element)}).");
        }

        return element.EnumerateArray().Select((e, i) => Count(e, $"{path}[{i}]", source)).ToArray();
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{element.GetString()}\"",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {element.GetRawText()}",
        JsonValueKind.Null => "null",
        _ => element.GetRawText(),
    };
}
