using System.Text.Json;

namespace FiSAO.Evaluation.Coco;

/// <summary>
/// Reads one split of a COCO-format folder (<see cref="CocoDataset"/>) and checks it: the instances file must hold
/// <c>images</c> (not empty), <c>categories</c> and <c>annotations</c>; every annotation must name a known image and
/// category; every image file must be there. Errors name the file and the field.
/// </summary>
public static class CocoReader
{
    public static CocoDataset Read(string directory, string split = CocoDataset.DefaultSplit)
    {
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"COCO folder {directory} does not exist.");
        var instancesPath = CocoDataset.InstancesPath(directory, split);
        if (!File.Exists(instancesPath))
            throw new FileNotFoundException($"{instancesPath} does not exist: a COCO folder holds annotations/instances_<split>.json (split '{split}').", instancesPath);

        using var instances = Parse(instancesPath);
        var root = instances.RootElement;
        var images = Array(root, "images", instancesPath).Select((e, i) => new CocoImage(
            Long(e, "id", instancesPath, $"images[{i}]"), String(e, "file_name", instancesPath, $"images[{i}]"),
            OptionalInt(e, "width"), OptionalInt(e, "height"))).ToList();
        if (images.Count == 0) throw new InvalidDataException($"{instancesPath}: field 'images' is empty: split '{split}' has no images.");
        var categories = Array(root, "categories", instancesPath).Select((e, i) => new CocoCategory(
            Long(e, "id", instancesPath, $"categories[{i}]"), String(e, "name", instancesPath, $"categories[{i}]"),
            e.TryGetProperty("supercategory", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : "")).ToList();
        var imageIds = images.Select(x => x.Id).ToHashSet();
        var categoryIds = categories.Select(x => x.Id).ToHashSet();
        var annotations = Array(root, "annotations", instancesPath).Select((e, i) =>
        {
            var where = $"annotations[{i}]";
            var a = new CocoAnnotation(OptionalLong(e, "id") ?? i + 1, Long(e, "image_id", instancesPath, where), Long(e, "category_id", instancesPath, where),
                e.TryGetProperty("bbox", out var b) && b.ValueKind == JsonValueKind.Array ? [.. b.EnumerateArray().Select(v => v.GetDouble())] : [],
                e.TryGetProperty("area", out var area) && area.ValueKind == JsonValueKind.Number ? area.GetDouble() : 0,
                (int)(OptionalLong(e, "iscrowd") ?? 0));
            if (!imageIds.Contains(a.ImageId)) throw new InvalidDataException($"{instancesPath}: {where}.image_id {a.ImageId} is no image of field 'images'.");
            if (!categoryIds.Contains(a.CategoryId)) throw new InvalidDataException($"{instancesPath}: {where}.category_id {a.CategoryId} is no category of field 'categories'.");
            return a;
        }).ToList();

        var folder = CocoDataset.ImageFolder(directory, split);
        foreach (var (image, i) in images.Select((x, i) => (x, i)))
        {
            var path = Path.Combine(folder, image.FileName);
            if (!File.Exists(path))
                throw new FileNotFoundException($"{instancesPath}: images[{i}].file_name '{image.FileName}' (id {image.Id}) is not in {folder}.", path);
        }

        var captionsPath = CocoDataset.CaptionsPath(directory, split);
        var captions = new List<CocoCaption>();
        if (File.Exists(captionsPath))
        {
            using var doc = Parse(captionsPath);
            captions = Array(doc.RootElement, "annotations", captionsPath).Select((e, i) =>
            {
                var where = $"annotations[{i}]";
                var c = new CocoCaption(OptionalLong(e, "id") ?? i + 1, Long(e, "image_id", captionsPath, where), String(e, "caption", captionsPath, where));
                if (!imageIds.Contains(c.ImageId)) throw new InvalidDataException($"{captionsPath}: {where}.image_id {c.ImageId} is no image of {instancesPath}.");
                return c;
            }).ToList();
        }
        return new CocoDataset(Path.GetFullPath(directory), split, images, categories, annotations, captions);
    }

    private static JsonDocument Parse(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return JsonDocument.Parse(stream);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not valid JSON: {e.Message}");
        }
    }

    private static IEnumerable<JsonElement> Array(JsonElement root, string field, string path)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(field, out var array))
            throw new InvalidDataException($"{path}: field '{field}' is missing.");
        if (array.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"{path}: field '{field}' must be an array.");
        return array.EnumerateArray().ToList();
    }

    private static long Long(JsonElement e, string field, string path, string where) =>
        e.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var x) ? x
            : throw new InvalidDataException($"{path}: {where}.{field} is missing or not an integer.");

    private static string String(JsonElement e, string field, string path, string where) =>
        e.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetString()) ? v.GetString()!
            : throw new InvalidDataException($"{path}: {where}.{field} is missing or not a non-empty string.");

    private static long? OptionalLong(JsonElement e, string field) =>
        e.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var x) ? x : null;

    private static int OptionalInt(JsonElement e, string field) => (int)(OptionalLong(e, field) ?? 0);
}
