using System.Text.Json;
using FiSAO.Verifier.V1;
using Google.Protobuf;

namespace FiSAO.Cli;

/// <summary>
/// A calibration set as JSON Lines, one sample per line:
/// <c>{"image": "path relative to the .jsonl", "text": "the response", "objects": ["dog", ...]}</c>
/// (objects: what is truly in the image, canonical names or any surface form). Blank lines are skipped.
/// </summary>
internal static class CalibrationSamples
{
    public sealed record Sample(int Line, string ImagePath, string Text, IReadOnlyList<string> Objects);

    public static List<Sample> Read(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var samples = new List<Sample>();
        var lines = LocalFiles.ReadText(path, "samples file").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0) continue;
            samples.Add(Parse(line, i + 1, path, directory));
        }
        if (samples.Count == 0) throw CliException.Usage($"'{path}' has no samples.");
        return samples;
    }

    /// <summary>The Calibrate request: every sample carries its image bytes. (Samples sharing an image could refer to
    /// it by id, but the verifier looks ids up before it has encoded bytes sent in the same request.)</summary>
    public static CalibrateRequest Request(IReadOnlyList<Sample> samples, bool apply)
    {
        var request = new CalibrateRequest { Apply = apply };
        var images = new Dictionary<string, ByteString>(StringComparer.Ordinal);
        foreach (var sample in samples)
        {
            if (!images.TryGetValue(sample.ImagePath, out var bytes))
                images[sample.ImagePath] = bytes = UnsafeByteOperations.UnsafeWrap(LocalFiles.ReadBytes(sample.ImagePath, $"image of line {sample.Line}"));
            request.Samples.Add(new CalibrationSample
            {
                Image = new ImageRef { Data = bytes },
                Text = sample.Text,
                GroundTruthObjects = { sample.Objects },
            });
        }
        return request;
    }

    static Sample Parse(string line, int number, string path, string directory)
    {
        string Where() => $"{path}:{number}";
        JsonElement root;
        try { root = JsonDocument.Parse(line).RootElement; }
        catch (JsonException e) { throw CliException.Usage($"{Where()}: not valid JSON ({e.Message})", e); }
        if (root.ValueKind != JsonValueKind.Object) throw CliException.Usage($"{Where()}: expected a JSON object.");

        string Text(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s
            ? s
            : throw CliException.Usage($"{Where()}: \"{name}\" must be a non-empty string.");

        var image = Text("image");
        var text = Text("text");
        var objects = new List<string>();
        if (root.TryGetProperty("objects", out var list))
        {
            if (list.ValueKind != JsonValueKind.Array || list.EnumerateArray().Any(o => o.ValueKind != JsonValueKind.String))
                throw CliException.Usage($"{Where()}: \"objects\" must be an array of strings.");
            objects.AddRange(list.EnumerateArray().Select(o => o.GetString()!));
        }
        else throw CliException.Usage($"{Where()}: \"objects\" (the objects truly in the image) is missing.");
        return new Sample(number, Path.GetFullPath(Path.Combine(directory, image)), text, objects);
    }
}
