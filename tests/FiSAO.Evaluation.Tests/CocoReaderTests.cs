using System.Text.Json.Nodes;
using FiSAO.Evaluation.Coco;
using FiSAO.Rewards.Chair;

namespace FiSAO.Evaluation.Tests;

public class CocoReaderTests
{
    private static readonly CocoObjects Objects = new(new ChairEvaluator());

    [Fact]
    public void ReadsCocosLayout_ImagesInstancesAndCaptions()
    {
        using var coco = new TinyCoco([("a.jpg", ["person", "dog"], ["A man and his dog."]), ("b.jpg", ["cat"], [])]);

        var d = CocoReader.Read(coco.Directory, TinyCoco.Split);

        Assert.Equal(["a.jpg", "b.jpg"], d.Images.Select(i => i.FileName));
        Assert.Equal(Path.Combine(coco.Directory, "val2014", "a.jpg"), d.ImagePath(d.Images[0]));
        Assert.Equal(["person", "dog"], d.CategoryNames(100));
        Assert.Equal(["A man and his dog."], d.CaptionsOf(100));
        Assert.Empty(d.CaptionsOf(101));
        Assert.Equal([1.0, 2, 10, 20], d.Annotations[0].Bbox);
        Assert.Equal(200, d.Annotations[0].Area);
    }

    [Fact]
    public void ObjectSets_ComeFromCategoriesAndCaptions_ThroughChairsSynonymsPluralsAndSpecialCases()
    {
        using var coco = new TinyCoco([
            // A category name that is a CHAIR synonym ("motorbike" -> motorcycle); captions add person (man), dogs -> dog,
            // "baby elephant" -> elephant (not person), "toilet seat" -> toilet, and "seat" beside a toilet is no chair.
            ("a.jpg", ["motorbike", "person"], ["A man rides a motorcycle past two dogs.", "A baby elephant by a toilet seat; a seat by the toilet."]),
            // Unknown category names are dropped; a caption naming nothing adds nothing.
            ("b.jpg", ["unicorn", "cat"], ["A sunny day."]),
        ]);
        var d = CocoReader.Read(coco.Directory, TinyCoco.Split);

        var a = Objects.Of(d, d.Images[0]);
        var b = Objects.Of(d, d.Images[1]);

        Assert.Equal(["motorcycle", "person"], a.Instances);
        Assert.Equal(["motorcycle", "person", "dog", "elephant", "toilet"], a.Objects);
        Assert.Equal(["cat"], b.Instances);
        Assert.Equal(["cat"], b.Objects);
    }

    [Fact]
    public void Chair_JudgesKnownCaptionsAgainstTheImagesObjects()
    {
        using var coco = new TinyCoco([("a.jpg", ["person", "dog"], ["A woman with a bench."])]);
        var d = CocoReader.Read(coco.Directory, TinyCoco.Split);
        var truth = Objects.Of(d, d.Images[0]).Objects; // person, dog, bench (from the reference caption)

        var caption = Objects.Chair.EvaluateCaption("Two dogs and a man sit on a bench next to a cat and another cat.", truth);

        Assert.Equal([("dog", MentionVerdict.Correct), ("person", MentionVerdict.Correct), ("bench", MentionVerdict.Correct),
                      ("cat", MentionVerdict.Hallucinated), ("cat", MentionVerdict.Hallucinated)],
            caption.Mentions.Select(m => (m.EvaluatedAs, m.Verdict)));
        var scores = ChairEvaluator.Score([caption]);
        Assert.Equal(2.0 / 5, scores.ChairI, 12);
        Assert.Equal(1.0, scores.ChairS);
        Assert.Equal(1.0, scores.Recall);
    }

    [Fact]
    public void MissingImage_IsAnErrorNamingTheFileAndField()
    {
        using var coco = new TinyCoco([("a.jpg", ["dog"], [])], writeImages: false);

        var e = Assert.Throws<FileNotFoundException>(() => CocoReader.Read(coco.Directory, TinyCoco.Split));

        Assert.Contains(coco.InstancesPath, e.Message);
        Assert.Contains("images[0].file_name 'a.jpg'", e.Message);
    }

    [Fact]
    public void InstancesWithoutCategories_IsAnErrorNamingTheFileAndField()
    {
        using var coco = new TinyCoco([("a.jpg", ["dog"], [])]);
        var json = JsonNode.Parse(File.ReadAllText(coco.InstancesPath))!.AsObject();
        json.Remove("categories");
        File.WriteAllText(coco.InstancesPath, json.ToJsonString());

        var e = Assert.Throws<InvalidDataException>(() => CocoReader.Read(coco.Directory, TinyCoco.Split));

        Assert.Equal($"{coco.InstancesPath}: field 'categories' is missing.", e.Message);
    }

    [Fact]
    public void EmptySplit_IsAnErrorNamingTheFileAndField()
    {
        using var coco = new TinyCoco([]);

        var e = Assert.Throws<InvalidDataException>(() => CocoReader.Read(coco.Directory, TinyCoco.Split));

        Assert.Equal($"{coco.InstancesPath}: field 'images' is empty: split 'val2014' has no images.", e.Message);
    }

    [Fact]
    public void MissingSplit_AndAnnotationOfAnUnknownCategory_AreErrorsNamingTheFile()
    {
        using var coco = new TinyCoco([("a.jpg", ["dog"], [])]);
        var json = JsonNode.Parse(File.ReadAllText(coco.InstancesPath))!.AsObject();
        json["annotations"]![0]!["category_id"] = 99;
        File.WriteAllText(coco.InstancesPath, json.ToJsonString());

        var missing = Assert.Throws<FileNotFoundException>(() => CocoReader.Read(coco.Directory, "train2014"));
        var unknown = Assert.Throws<InvalidDataException>(() => CocoReader.Read(coco.Directory, TinyCoco.Split));

        Assert.Contains("instances_train2014.json", missing.Message);
        Assert.Equal($"{coco.InstancesPath}: annotations[0].category_id 99 is no category of field 'categories'.", unknown.Message);
    }
}
