using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using FiSAO.ShapesWorld.World;

namespace FiSAO.ShapesWorld.Scenes;

/// <summary>
/// Writes a scene dataset folder: <c>scene-00001.png</c> … (one PNG per scene), <c>scenes.jsonl</c> (one JSON object per
/// scene, in index order: <c>{"image", "objects", "caption", "seed", "index", "instances"}</c>) and the world's
/// <c>entities.txt</c>. Byte-identical for the same (seed, start, count, options).
/// </summary>
public static class SceneDatasetWriter
{
    public const string JsonlFileName = "scenes.jsonl";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <returns>The path of the JSONL file.</returns>
    public static string Write(string directory, long seed, int count, SceneOptions? options = null, int start = 0,
        IProgress<int>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Directory.CreateDirectory(directory);
        var generator = new SceneGenerator(seed, options);
        int digits = Math.Max(5, (start + count).ToString().Length);
        var jsonlPath = Path.Combine(directory, JsonlFileName);
        using (var jsonl = new StreamWriter(jsonlPath, append: false, new UTF8Encoding(false)) { NewLine = "\n" })
        {
            const int chunk = 128;
            for (int done = 0; done < count; done += chunk)
            {
                var scenes = generator.Generate(start + done, Math.Min(chunk, count - done));
                Parallel.ForEach(scenes, scene => File.WriteAllBytes(Path.Combine(directory, scene.FileName(digits)), scene.ToPng()));
                foreach (var scene in scenes) jsonl.WriteLine(ToJsonLine(scene, digits));
                progress?.Report(done + scenes.Length);
            }
        }
        ShapesVocabulary.WriteEntityList(Path.Combine(directory, ShapesVocabulary.EntityFileName));
        return jsonlPath;
    }

    /// <summary>The JSONL line of a scene (no newline).</summary>
    public static string ToJsonLine(Scene scene, int digits = 5)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("image", scene.FileName(digits));
            w.WriteStartObject("objects");
            foreach (var (name, n) in scene.Objects) w.WriteNumber(name, n);
            w.WriteEndObject();
            w.WriteString("caption", scene.Caption);
            w.WriteNumber("seed", scene.Seed);
            w.WriteNumber("index", scene.Index);
            w.WriteStartArray("instances");
            foreach (var o in scene.Instances)
            {
                w.WriteStartObject();
                w.WriteString("object", o.Noun.Name);
                w.WriteString("color", o.Color.Name);
                w.WriteNumber("x", o.X);
                w.WriteNumber("y", o.Y);
                w.WriteNumber("size", o.Size);
                w.WriteNumber("angle", o.Angle);
                w.WriteBoolean("flipped", o.Flipped);
                w.WriteNumber("visible", Math.Round(o.VisibleFraction, 3));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
