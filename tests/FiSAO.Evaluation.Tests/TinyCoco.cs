using FiSAO.Evaluation.Coco;

namespace FiSAO.Evaluation.Tests;

/// <summary>A COCO-format folder the test writes itself: a few images (bytes on disk), instances and captions JSON.</summary>
public sealed class TinyCoco : IDisposable
{
    public const string Split = "val2014";

    public TinyCoco(IReadOnlyList<(string File, string[] Categories, string[] Captions)> images, bool writeImages = true)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("fisao-coco-").FullName;
        var names = images.SelectMany(i => i.Categories).Distinct().ToList();
        var categories = names.Select((n, i) => new CocoCategory(i + 1, n, "thing")).ToList();
        var list = images.Select((x, i) => new CocoImage(100 + i, x.File, 64, 48)).ToList();
        var annotations = new List<CocoAnnotation>();
        var captions = new List<CocoCaption>();
        for (var i = 0; i < images.Count; i++)
        {
            foreach (var c in images[i].Categories)
                annotations.Add(new CocoAnnotation(annotations.Count + 1, list[i].Id, names.IndexOf(c) + 1, [1, 2, 10, 20], 200));
            foreach (var text in images[i].Captions) captions.Add(new CocoCaption(captions.Count + 1, list[i].Id, text));
        }
        CocoWriter.Write(Directory, Split, list, categories, annotations, captions, "test");
        var folder = System.IO.Directory.CreateDirectory(CocoDataset.ImageFolder(Directory, Split)).FullName;
        if (writeImages)
            foreach (var image in list) File.WriteAllBytes(Path.Combine(folder, image.FileName), [0x89, 0x50, 0x4e, 0x47]);
    }

    public string Directory { get; }

    public string InstancesPath => CocoDataset.InstancesPath(Directory, Split);

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
