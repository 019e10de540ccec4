using System.Text.Json;

namespace FiSAO.Evaluation.Coco;

/// <summary>
/// Writes a split's annotation files in COCO's layout (<c>annotations/instances_&lt;split&gt;.json</c> and, when there
/// are captions, <c>annotations/captions_&lt;split&gt;.json</c>); the caller puts the image files in
/// <see cref="CocoDataset.ImageFolder"/>.
/// </summary>
public static class CocoWriter
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public static void Write(string directory, string split, IReadOnlyList<CocoImage> images, IReadOnlyList<CocoCategory> categories,
        IReadOnlyList<CocoAnnotation> annotations, IReadOnlyList<CocoCaption> captions, string description)
    {
        Directory.CreateDirectory(Path.Combine(directory, "annotations"));
        var info = new { description, version = "1.0", year = DateTime.UtcNow.Year, date_created = DateTime.UtcNow.ToString("yyyy-MM-dd") };
        File.WriteAllText(CocoDataset.InstancesPath(directory, split),
            JsonSerializer.Serialize(new { info, images, categories, annotations }, Json));
        if (captions.Count > 0)
            File.WriteAllText(CocoDataset.CaptionsPath(directory, split),
                JsonSerializer.Serialize(new { info, images, annotations = captions }, Json));
    }
}
