using System.Text.Json.Serialization;

namespace FiSAO.Evaluation.Coco;

/// <summary>One entry of COCO's <c>images</c> array.</summary>
public sealed record CocoImage(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("file_name")] string FileName,
    [property: JsonPropertyName("width")] int Width,
    [property: JsonPropertyName("height")] int Height);

/// <summary>One entry of COCO's <c>categories</c> array.</summary>
public sealed record CocoCategory(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("supercategory")] string Supercategory);

/// <summary>One instance annotation: a category in a box (<c>bbox</c> = x, y, width, height in pixels) of an area.</summary>
public sealed record CocoAnnotation(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("image_id")] long ImageId,
    [property: JsonPropertyName("category_id")] long CategoryId,
    [property: JsonPropertyName("bbox")] IReadOnlyList<double> Bbox,
    [property: JsonPropertyName("area")] double Area,
    [property: JsonPropertyName("iscrowd")] int IsCrowd = 0);

/// <summary>One reference caption (<c>captions_&lt;split&gt;.json</c>).</summary>
public sealed record CocoCaption(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("image_id")] long ImageId,
    [property: JsonPropertyName("caption")] string Caption);

/// <summary>
/// One split of a COCO-format folder as downloaded: <c>DIR/annotations/instances_&lt;split&gt;.json</c>, optional
/// <c>DIR/annotations/captions_&lt;split&gt;.json</c>, images in <c>DIR/&lt;split&gt;/</c> by their <c>file_name</c>.
/// </summary>
public sealed record CocoDataset(string Directory, string Split, IReadOnlyList<CocoImage> Images, IReadOnlyList<CocoCategory> Categories,
    IReadOnlyList<CocoAnnotation> Annotations, IReadOnlyList<CocoCaption> Captions)
{
    /// <summary>COCO 2014's validation split: the one CHAIR and POPE were built on.</summary>
    public const string DefaultSplit = "val2014";

    public static string InstancesPath(string directory, string split) => Path.Combine(directory, "annotations", $"instances_{split}.json");

    public static string CaptionsPath(string directory, string split) => Path.Combine(directory, "annotations", $"captions_{split}.json");

    public static string ImageFolder(string directory, string split) => Path.Combine(directory, split);

    /// <summary>Where an image's file lies.</summary>
    public string ImagePath(CocoImage image) => Path.Combine(ImageFolder(Directory, Split), image.FileName);

    /// <summary>Category names of an image's instances, in annotation order, each once.</summary>
    public IReadOnlyList<string> CategoryNames(long imageId) => _categoryNames.Value.TryGetValue(imageId, out var names) ? names : [];

    /// <summary>Reference captions of an image.</summary>
    public IReadOnlyList<string> CaptionsOf(long imageId) => _captions.Value.TryGetValue(imageId, out var list) ? list : [];

    private readonly Lazy<Dictionary<long, List<string>>> _categoryNames = new(() =>
    {
        var names = Categories.ToDictionary(c => c.Id, c => c.Name);
        var result = new Dictionary<long, List<string>>();
        foreach (var a in Annotations)
        {
            var list = result.TryGetValue(a.ImageId, out var l) ? l : result[a.ImageId] = [];
            var name = names[a.CategoryId];
            if (!list.Contains(name)) list.Add(name);
        }
        return result;
    });

    private readonly Lazy<Dictionary<long, List<string>>> _captions = new(() =>
    {
        var result = new Dictionary<long, List<string>>();
        foreach (var c in Captions) (result.TryGetValue(c.ImageId, out var l) ? l : result[c.ImageId] = []).Add(c.Caption);
        return result;
    });
}
