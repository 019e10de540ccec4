using System.Text.Json;
using FiSAO.ShapesWorld.Scenes;
using FiSAO.Trainer.Configuration;

namespace FiSAO.Trainer.Rollouts;

/// <summary>One query of Algorithm 1: an encoded image, the user prompt, and (when known) the objects truly in it.</summary>
public sealed record PromptSample(int Index, byte[] Image, string Prompt, IReadOnlyList<string>? Objects);

/// <summary>A finite, indexable set of (prompt, image) samples.</summary>
public interface IPromptSource
{
    int Count { get; }

    PromptSample Get(int index);
}

/// <summary>
/// Which samples a step uses. Position p (0, 1, 2, ... over the whole run) is sample order(p / Count)[p % Count], where
/// each pass over the data has its own permutation seeded by (seed, pass). Step s takes positions [s B, (s + 1) B), so
/// the data position of a run is a pure function of the step and a resumed run draws exactly the samples the
/// uninterrupted run would have.
/// </summary>
public sealed class DataOrder(int count, long seed, bool shuffle)
{
    private int _pass = -1;
    private int[] _order = [];

    public long PositionOfStep(int step, int batchSize) => (long)step * batchSize;

    public IReadOnlyList<int> IndicesOfStep(int step, int batchSize)
    {
        var start = PositionOfStep(step, batchSize);
        var indices = new int[batchSize];
        for (var i = 0; i < batchSize; i++) indices[i] = IndexAt(start + i);
        return indices;
    }

    public int IndexAt(long position)
    {
        var pass = (int)(position / count);
        var within = (int)(position % count);
        if (!shuffle) return within;
        if (pass != _pass)
        {
            _order = Enumerable.Range(0, count).ToArray();
            new Random(Training.Seeds.DeriveInt(seed, pass, 0x5eed)).Shuffle(_order);
            _pass = pass;
        }
        return _order[within];
    }
}

public static class PromptSources
{
    public static IPromptSource Create(DataSettings data) => data.Kind switch
    {
        "shapes" => new ShapesPromptSource(data.ShapesSeed, data.ShapesScenes, data.Prompt, new SceneOptions { ImageSize = data.ShapesImageSize }),
        "jsonl" => CocoPromptSource.AttachObjects(FilePromptSource.FromJsonl(data.Path!, data.ImageRoot, data.MaxSamples), data),
        "llava-instruct" => CocoPromptSource.AttachObjects(FilePromptSource.FromLlavaInstruct(data.Path!, data.ImageRoot, data.MaxSamples), data),
        "coco" => CocoPromptSource.FromSettings(data),
        _ => throw new TrainerConfigException($"data.kind: unknown source '{data.Kind}'."),
    };
}

/// <summary>Scenes of the shapes world, rendered on demand (deterministic per seed and index) and cached.</summary>
public sealed class ShapesPromptSource(long seed, int count, string prompt, SceneOptions? options = null) : IPromptSource
{
    private readonly SceneGenerator _generator = new(seed, options);
    private readonly Dictionary<int, PromptSample> _cache = [];

    public int Count => count;

    public PromptSample Get(int index)
    {
        if (_cache.TryGetValue(index, out var sample)) return sample;
        var scene = _generator.Generate(index);
        sample = new PromptSample(index, scene.ToPng(), prompt, [.. scene.Objects.Keys]);
        if (_cache.Count < 4096) _cache[index] = sample;
        return sample;
    }

    public Scene Scene(int index) => _generator.Generate(index);
}

/// <summary>Samples listed in a file, images read from disk when used.</summary>
public sealed class FilePromptSource(IReadOnlyList<(string Image, string Prompt, IReadOnlyList<string>? Objects)> entries) : IPromptSource
{
    public int Count => entries.Count;

    public IReadOnlyList<(string Image, string Prompt, IReadOnlyList<string>? Objects)> Entries => entries;

    public PromptSample Get(int index)
    {
        var (image, prompt, objects) = entries[index];
        return new PromptSample(index, File.ReadAllBytes(image), prompt, objects);
    }

    /// <summary>Lines <c>{"image": "a.png", "prompt": "...", "objects": ["dog"]}</c>.</summary>
    public static FilePromptSource FromJsonl(string path, string? imageRoot, int maxSamples)
    {
        var root = imageRoot ?? Path.GetDirectoryName(Path.GetFullPath(path))!;
        var entries = new List<(string, string, IReadOnlyList<string>?)>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            var e = doc.RootElement;
            if (!e.TryGetProperty("image", out var image) || !e.TryGetProperty("prompt", out var prompt))
                throw new InvalidDataException($"{path}:{lineNumber}: each line needs \"image\" and \"prompt\".");
            IReadOnlyList<string>? objects = e.TryGetProperty("objects", out var o) ? [.. o.EnumerateArray().Select(x => x.GetString()!)] : null;
            entries.Add((Path.GetFullPath(image.GetString()!, root), prompt.GetString()!, objects));
            if (maxSamples > 0 && entries.Count >= maxSamples) break;
        }
        if (entries.Count == 0) throw new InvalidDataException($"{path} holds no samples.");
        return new FilePromptSource(entries);
    }

    /// <summary>
    /// LLaVA-Instruct-150k (<c>llava_instruct_150k.json</c>): the first human turn of each conversation, without its
    /// <c>&lt;image&gt;</c> marker (the chat template places the image); images under <c>image_root</c> (COCO train2017).
    /// </summary>
    public static FilePromptSource FromLlavaInstruct(string path, string? imageRoot, int maxSamples)
    {
        var root = imageRoot ?? Path.GetDirectoryName(Path.GetFullPath(path))!;
        using var stream = File.OpenRead(path);
        using var doc = JsonDocument.Parse(stream);
        var entries = new List<(string, string, IReadOnlyList<string>?)>();
        foreach (var item in doc.RootElement.EnumerateArray())
        {
            if (!item.TryGetProperty("image", out var image)) continue;
            var human = item.GetProperty("conversations").EnumerateArray().FirstOrDefault(c => c.GetProperty("from").GetString() == "human");
            if (human.ValueKind == JsonValueKind.Undefined) continue;
            var prompt = human.GetProperty("value").GetString()!.Replace("<image>", "", StringComparison.Ordinal).Trim();
            entries.Add((Path.GetFullPath(image.GetString()!, root), prompt, null));
            if (maxSamples > 0 && entries.Count >= maxSamples) break;
        }
        if (entries.Count == 0) throw new InvalidDataException($"{path} holds no samples with images.");
        return new FilePromptSource(entries);
    }
}
